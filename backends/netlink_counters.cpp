// SPDX-License-Identifier: GPL-2.0-or-later
// The named counters of one table, read over netlink (NFT_MSG_GETOBJ dump): what `stats` and
// `audit` read, and what `apply` carries into the table that replaces it.
#include <cstdio>  // libnftnl headers use FILE without including it

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/core.h>

#include "backends/netlink.h"
#include "backends/netlink_counters.h"
#include "backends/netlink_socket.h"

namespace zp::backends {

namespace nl {

int dump_counters(Socket& socket, const std::string& table, uint32_t generation, CounterRead& out) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_DUMP, socket.next_seq());
  return socket.dump(nlh, generation, [&](const nlmsghdr* reply) {
    std::unique_ptr<nftnl_obj, decltype(&nftnl_obj_free)> o(nftnl_obj_alloc(), nftnl_obj_free);
    if (nftnl_obj_nlmsg_parse(reply, o.get()) < 0) return;
    const char* t = nftnl_obj_get_str(o.get(), NFTNL_OBJ_TABLE);
    if (!t || table != t || nftnl_obj_get_u32(o.get(), NFTNL_OBJ_FAMILY) != NFPROTO_INET) return;
    const char* name = nftnl_obj_get_str(o.get(), NFTNL_OBJ_NAME);
    if (nftnl_obj_get_u32(o.get(), NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER) {
      out.foreign.push_back(text(name));
      return;
    }
    out.values[text(name)] = {nftnl_obj_get_u64(o.get(), NFTNL_OBJ_CTR_PKTS),
                              nftnl_obj_get_u64(o.get(), NFTNL_OBJ_CTR_BYTES)};
  });
}

int dump_table_handle(Socket& socket, const std::string& table, uint32_t generation, uint64_t& handle) {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_DUMP, socket.next_seq());
  return socket.dump(nlh, generation, [&](const nlmsghdr* reply) {
    std::unique_ptr<nftnl_table, decltype(&nftnl_table_free)> t(nftnl_table_alloc(), nftnl_table_free);
    if (nftnl_table_nlmsg_parse(reply, t.get()) < 0) return;
    const char* name = nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME);
    if (name && table == name && nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY) == NFPROTO_INET)
      handle = nftnl_table_get_u64(t.get(), NFTNL_TABLE_HANDLE);
  });
}

}  // namespace nl

CounterRead read_counters(const std::string& table) {
  nl::Socket socket;
  CounterRead out;
  const int e = nl::read_consistent(socket, [&](uint32_t generation) {
    out = {};
    out.generation = generation;
    const int handle_error = nl::dump_table_handle(socket, table, generation, out.table_handle);
    return handle_error ? handle_error : nl::dump_counters(socket, table, generation, out);
  });
  if (e == EINTR)
    out.error = fmt::format("the ruleset kept changing while the counters of table {} were read", table);
  else if (e != 0)
    out.error = fmt::format("reading the counters of table {} failed: {}", table, strerror(e));
  return out;
}

}  // namespace zp::backends
