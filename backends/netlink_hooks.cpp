// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/netlink_hooks.h"

#include <cstdio>  // libnftnl headers use FILE without including it

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>
#include <memory>

#include <fmt/core.h>

#include "backends/netlink_socket.h"

namespace zp::backends {

namespace {

std::string family_name(uint32_t family) {
  switch (family) {
    case NFPROTO_INET: return "inet";
    case NFPROTO_IPV4: return "ip";
    case NFPROTO_IPV6: return "ip6";
    case NFPROTO_ARP: return "arp";
    case NFPROTO_BRIDGE: return "bridge";
    case NFPROTO_NETDEV: return "netdev";
    default: return fmt::format("family {}", family);
  }
}

}  // namespace

std::optional<std::vector<HookedChain>> list_base_chains(std::string& error) {
  try {
    nl::Socket socket;
    std::vector<HookedChain> out;
    const int e = nl::read_consistent(socket, [&](uint32_t generation) {
      out.clear();
      std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
      // NFPROTO_UNSPEC: the chains of every family, not only inet's.
      nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP,
                                            socket.next_seq());
      return socket.dump(nlh, generation, [&](const nlmsghdr* reply) {
        std::unique_ptr<nftnl_chain, decltype(&nftnl_chain_free)> c(nftnl_chain_alloc(), nftnl_chain_free);
        if (nftnl_chain_nlmsg_parse(reply, c.get()) < 0 || !nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM))
          return;
        out.push_back({family_name(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY)),
                       nl::text(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE)),
                       nl::text(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME))});
      });
    });
    if (e == 0) return out;
    error = e == EINTR ? "the ruleset kept changing while its chains were listed"
                       : fmt::format("cannot list the kernel's chains: {}", strerror(e));
  } catch (const std::exception& e) {
    error = e.what();
  }
  return std::nullopt;
}

}  // namespace zp::backends
