# packaging.cmake — where `cmake --install` puts netblame, and the Debian
# package CPack makes of it (deploy/build.sh package: build/package/*.deb).
#
# Layout (GNUInstallDirs; with the prefix /usr, as the package has it):
#   sbin/netblamed, bin/netblame             the agent and the command line
#   share/man/man{1,5,8}/*.gz                netblame(1), netblame.json(5),
#                                            netblamed(8), from deploy/man/
#   /etc/netblame/netblamed.json             conffile: a guest that only reflects
#   share/doc/netblame/examples/             deploy/examples/*.json
#   share/netblame/prometheus/               deploy/prometheus/* (rules, examples)
#   /lib/systemd/system/                     every file of deploy/systemd/, but
#   /usr/lib/sysusers.d/netblame.conf          *sysusers*.conf and
#   /usr/lib/tmpfiles.d/netblame.conf          *tmpfiles*.conf, which go here
# With another prefix, etc/ and lib/systemd/system/ are under it instead.
# One package, `netblame`: netblamed runs the CLI for POST /v1/diagnose, so
# the two never go apart; the lab programs are not installed.
include(GNUInstallDirs)

install(TARGETS netblamed RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS netblame RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Man pages, gzipped (-n: no name or time stamp, so the same page gives the
# same bytes) as Debian ships them.
set(nb_man_gz)
foreach(page netblame.1 netblame.json.5 netblamed.8)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  set(out ${PROJECT_BINARY_DIR}/man/${page}.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/deploy/man/${page} ${PROJECT_BINARY_DIR}/man/${page}
    COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/man/${page}
    DEPENDS ${PROJECT_SOURCE_DIR}/deploy/man/${page}
    COMMENT "man page ${page}.gz" VERBATIM)
  list(APPEND nb_man_gz ${out})
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(nb_man ALL DEPENDS ${nb_man_gz})

# The prefix /usr (a system install, the package) puts the config in /etc and
# the units in /lib/systemd/system (Debian 12's place); any other prefix keeps
# everything under it, also when `cmake --install --prefix` changes it.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(NB_ETCDIR /etc/netblame)
  set(NB_UNITDIR /lib/systemd/system)
else()
  set(NB_ETCDIR ${CMAKE_INSTALL_SYSCONFDIR}/netblame)
  set(NB_UNITDIR lib/systemd/system)
endif()
install(FILES deploy/debian/netblamed.json DESTINATION ${NB_ETCDIR})
file(GLOB nb_examples CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/examples/*.json)
install(FILES ${nb_examples} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
file(GLOB nb_prom CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/prometheus/*)
install(FILES ${nb_prom} DESTINATION ${CMAKE_INSTALL_DATADIR}/netblame/prometheus)
file(GLOB nb_systemd CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/systemd/*)
foreach(f ${nb_systemd})
  get_filename_component(name ${f} NAME)
  if(name MATCHES "sysusers.*\\.conf$")
    install(FILES ${f} DESTINATION lib/sysusers.d RENAME netblame.conf)
  elseif(name MATCHES "tmpfiles.*\\.conf$")
    install(FILES ${f} DESTINATION lib/tmpfiles.d RENAME netblame.conf)
  else()
    install(FILES ${f} DESTINATION ${NB_UNITDIR})
  endif()
endforeach()

# ---- the Debian package ----
# Its version is NB_VERSION (cmake/version.cmake), read at cpack time from the
# header the binaries were compiled with (packaging_cpack.cmake), so the
# package and `netblamed --version` always agree.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME netblame)
set(CPACK_PACKAGE_VENDOR netblame)
set(NB_PKG_CONTACT "netblame maintainers <netblame@localhost>" CACHE STRING
    "Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${NB_PKG_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "network fault classification between KVM guests and their backends")
# The extended description (the summary above is its first line; CPack
# indents each line; "." is an empty line).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"netblame tells the on-call engineer which team owns a network problem
between a service in a KVM guest and its backend: the app backend, the
virtual network (guest stack, virtio-net, vhost/QEMU, tap, host bridge) or
the physical network (NIC, wire, switches). Paired host and guest agents
send timestamped STAMP probes (RFC 8762/8972) across those layers.
.
This package ships the agent netblamed (reflector, prober, host capture,
continuous verdicts, Prometheus metrics, control API, alert enrichment),
the command line netblame (diagnose, replay, enrich), a systemd unit,
example configurations and Prometheus alerting rules.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Library dependencies computed by dpkg-shlibdeps from the binaries; adduser
# for postinst's system user.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# Maintainer scripts and the conffiles list (the files under /etc, which
# dpkg keeps as the admin edited them and removes only at purge).
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA)
foreach(f conffiles postinst prerm postrm)
  list(APPEND CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/deploy/debian/${f})
endforeach()
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# CPack strips the binaries and puts their debug symbols in
# netblame-dbgsym_*.ddeb beside the package (/usr/lib/debug/.build-id/:
# install it to read a crash's backtrace).
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(NB_VERSION_HEADER ${NB_GEN_INCLUDE}/netblame/version.h)
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_BINARY_DIR}/packaging_cpack.cmake)
configure_file(${PROJECT_SOURCE_DIR}/cmake/packaging_cpack.cmake.in
               ${PROJECT_BINARY_DIR}/packaging_cpack.cmake @ONLY)
include(CPack)
