# Find every dependency; on failure name the Debian package that provides it.
# deploy/install-deps.sh installs all of them.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config (or run deploy/install-deps.sh)")
endif()

function(nb_pkg var module debpkg)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install ${debpkg} (or run deploy/install-deps.sh)")
  endif()
endfunction()

nb_pkg(CRYPTO  libcrypto       libssl-dev)
nb_pkg(CJSON   libcjson        libcjson-dev)
nb_pkg(MHD     libmicrohttpd   libmicrohttpd-dev)
nb_pkg(PCAP    libpcap         libpcap-dev)
nb_pkg(NL      libnl-3.0       libnl-3-dev)
nb_pkg(NLROUTE libnl-route-3.0 libnl-route-3-dev)
nb_pkg(NLGENL  libnl-genl-3.0  libnl-genl-3-dev)
nb_pkg(CARES   libcares        libc-ares-dev)
nb_pkg(CURL    libcurl         libcurl4-openssl-dev)
nb_pkg(CAPNG   libcap-ng       libcap-ng-dev)

# libev ships no pkg-config file: find it by header and library.
find_path(LIBEV_INCLUDE_DIR ev.h)
find_library(LIBEV_LIBRARY NAMES ev)
if(NOT LIBEV_INCLUDE_DIR OR NOT LIBEV_LIBRARY)
  message(FATAL_ERROR "libev not found (ev.h / libev.so): apt-get install libev-dev (or run deploy/install-deps.sh)")
endif()
add_library(Libev::Libev UNKNOWN IMPORTED)
set_target_properties(Libev::Libev PROPERTIES
  IMPORTED_LOCATION "${LIBEV_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${LIBEV_INCLUDE_DIR}")

if(NB_TESTS)
  pkg_check_modules(CMOCKA QUIET IMPORTED_TARGET cmocka)
  if(NOT CMOCKA_FOUND)
    message(FATAL_ERROR "cmocka not found (the unit tests need it): apt-get install libcmocka-dev "
      "(or run deploy/install-deps.sh --test), or configure with -DNB_TESTS=OFF to build "
      "netblame and the lab programs without tests (deploy/build.sh demo)")
  endif()
endif()

# libFuzzer builds (tests/fuzz/): clang with its fuzzer and sanitizer runtimes.
if(NB_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NB_FUZZ needs clang, not ${CMAKE_C_COMPILER_ID}: apt-get install clang "
      "and configure with -DCMAKE_C_COMPILER=clang (deploy/build.sh fuzz)")
  endif()
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer,address,undefined)
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer,address,undefined)
  check_c_source_compiles("
    #include <stddef.h>
    #include <stdint.h>
    int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }"
    NB_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(NOT NB_HAVE_LIBFUZZER)
    string(REGEX MATCH "^[0-9]+" clang_major "${CMAKE_C_COMPILER_VERSION}")
    message(FATAL_ERROR "clang cannot link -fsanitize=fuzzer,address,undefined: "
      "apt-get install libclang-rt-${clang_major}-dev (or run deploy/install-deps.sh --test)")
  endif()
endif()
