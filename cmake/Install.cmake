# install() rules: `cmake --install build --prefix /usr` lays out the three
# executables, their systemd units, the example configuration and the docs as
# a Debian package would. Only these three targets are installed: tests,
# benchmarks, the demo and test helpers never are.
# tests/packaging/install_layout_test.sh checks the tree.
set(CMAKE_INSTALL_DOCDIR "share/doc/openlaps" CACHE PATH "Documentation (DATAROOTDIR/doc/openlaps)")
include(GNUInstallDirs)
# Not GNUInstallDirs' LIBDIR: on Debian that is lib/<triplet>, and systemd
# looks in <prefix>/lib/systemd/system.
set(OPENLAPS_INSTALL_SYSTEMDUNITDIR "lib/systemd/system"
  CACHE PATH "systemd system units, relative to the prefix")

# Daemons in sbin (run by systemd or root), the admin CLI in bin. The units
# and the PAM hook name /usr/sbin/..., so they match a --prefix /usr install.
install(TARGETS lapsd laps-agent RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS lapsctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES packaging/lapsd.service packaging/laps-agent.service
  DESTINATION ${OPENLAPS_INSTALL_SYSTEMDUNITDIR})

# Examples, not live configuration: /etc/openlaps/lapsd.toml and the PAM
# line are the admin's to copy and edit (docs/deployment.md, docs/agent.md);
# enabling PAM is the admin's decision. A .deb may ship lapsd.toml as a
# conffile on top of this.
install(FILES packaging/lapsd.toml packaging/pam-laps-agent
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
  FILES_MATCHING PATTERN "*.md")
