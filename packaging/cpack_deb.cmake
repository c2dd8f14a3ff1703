# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: `cpack -G DEB` in a build directory configured with -DCMAKE_BUILD_TYPE=Release
# -DCMAKE_INSTALL_PREFIX=/usr (scripts/package.sh does both). Runtime dependencies come from
# dpkg-shlibdeps (Debian package dpkg-dev), so Depends names exactly the libraries the binary links.
set(CPACK_PACKAGE_NAME zoneproof)
set(CPACK_PACKAGE_VENDOR "zoneproof developers")
set(CPACK_PACKAGE_CONTACT "zoneproof developers <zoneproof@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "network segmentation policy compiler to nftables, with Z3 proofs")
set(CPACK_PACKAGE_DESCRIPTION
  "zoneproof compiles a network segmentation policy kept as YAML in git (zones,\n\
services, rules between zones, intents) into Linux nftables rules, proves with\n\
the Z3 SMT solver that the rules satisfy every intent and expose nothing\n\
unintended, shows the semantic difference between two versions of a policy,\n\
and loads the rules into the kernel atomically over netlink, with confirm and\n\
rollback.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# nft is not needed to compile or verify, nor to apply where zoneproof's table is alone on the hooks
# (zoneproof talks netlink itself). `apply` beside other tables reads their rules with `nft -j`
# and refuses without it; nft is also the tool users inspect the result with.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nftables")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "graphviz, git")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst ${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
include(CPack)
