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
  nb_pkg(CMOCKA cmocka libcmocka-dev)
endif()
