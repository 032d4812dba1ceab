# Debian packages, built by CPack from an existing build (scripts/package.sh):
#   sockscope      the programs, their manual pages (docs/man), the desktop entry, icons,
#                  AppStream metadata and example rules files (install component "programs");
#                  its dependencies are computed from the binaries by dpkg-shlibdeps
#   sockscope-dev  the static libraries, headers and CMake package files, so that
#                  find_package(Sockscope) works from /usr (install component "dev"); the
#                  library is static, so there is no runtime library package, and the Qt
#                  development packages it needs are listed by hand
# Both carry the copyright file and the Debian changelog (resources/packaging). The version is
# project(Sockscope VERSION ...)'s, with the Debian revision below (the changelog's first entry
# must name both: tests/auto/packaging checks it).
include(GNUInstallDirs)

set(SOCKSCOPE_DEBIAN_REVISION 1)
set(SOCKSCOPE_PACKAGE_MAINTAINER
    "Sockscope maintainers <maintainers@users.noreply.b-seed-ee168ac6.example>"
    CACHE STRING "Maintainer field of the Debian packages (name <address>)")

# The changelog gzipped as Debian wants it (-9, no name or time stamp), at build time.
set(changelog_gz ${PROJECT_BINARY_DIR}/packaging/changelog.Debian.gz)
add_custom_command(OUTPUT ${changelog_gz}
    COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/resources/packaging/changelog.Debian
            ${PROJECT_BINARY_DIR}/packaging/changelog.Debian
    COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/packaging/changelog.Debian
    DEPENDS ${PROJECT_SOURCE_DIR}/resources/packaging/changelog.Debian
    COMMENT "Packing the Debian changelog"
    VERBATIM)
add_custom_target(sockscope_changelog ALL DEPENDS ${changelog_gz})
foreach(pair IN ITEMS "programs;sockscope" "dev;sockscope-dev")
    list(GET pair 0 component)
    list(GET pair 1 package)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/packaging/copyright ${changelog_gz}
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package} COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sockscope)
set(CPACK_PACKAGE_VENDOR "The Sockscope developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SOCKSCOPE_PACKAGE_MAINTAINER})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL programs dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SOCKSCOPE_DEBIAN_REVISION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${SOCKSCOPE_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_PROGRAMS_PACKAGE_NAME sockscope)
set(CPACK_DEBIAN_PROGRAMS_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PROGRAMS_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PROGRAMS_DESCRIPTION [[Socket.IO server and monitor
Sockscope is a Socket.IO server (Engine.IO v4, Socket.IO v5) with a desktop
monitor: the official Socket.IO clients for browsers, Node.js and Python
connect to it unchanged, and its window shows every connection, socket, room,
event, ack and WebSocket handshake as it happens. Run headless, it prints one
JSON line per thing that happens.
.
This package holds sockscope (the monitor and the headless server) and
sockscope-client, a command-line client that emits, listens and checks acks.]])

set(CPACK_DEBIAN_DEV_PACKAGE_NAME sockscope-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "qt6-base-dev (>= 6.4), qt6-websockets-dev (>= 6.4)")
set(CPACK_DEBIAN_DEV_DESCRIPTION [[Socket.IO server and client library for Qt (development files)
Sockscope speaks the Socket.IO wire protocol (Engine.IO v4, Socket.IO v5) over
WebSocket and HTTP long-polling, as a server (EventServer) and as a client
(EventClient), on Qt Core, Network and WebSockets.
.
This package holds the static libraries Sockscope::Core and Sockscope::Tools,
their headers and the CMake package files: find_package(Sockscope).]])

include(CPack)
