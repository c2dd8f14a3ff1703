// SPDX-License-Identifier: GPL-2.0-or-later
// IR -> one nf_tables netlink batch, and sending it (apply_ruleset, remove_table).
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>
#include <chrono>
#include <memory>

#include <fmt/core.h>

#include "backends/netlink.h"
#include "backends/netlink_batch.h"
#include "backends/netlink_counters.h"
#include "backends/netlink_encoding.h"
#include "backends/netlink_expr.h"
#include "backends/netlink_socket.h"
#include "backends/nft_names.h"
#include "backends/nft_validate.h"

namespace zp::backends {

namespace {

using nl::AnonSet;
using nl::Batch;
using nl::WireElement;

// Element messages are closed once they pass this size, so the element list nest (whose length
// is a 16-bit field) and the message stay below 64 KiB whatever the element size.
constexpr uint32_t kElementChunkBytes = 48 * 1024;

template <typename T, void (*Free)(const T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using TablePtr = std::unique_ptr<nftnl_table, Deleter<nftnl_table, nftnl_table_free>>;
using ChainPtr = std::unique_ptr<nftnl_chain, Deleter<nftnl_chain, nftnl_chain_free>>;
using SetPtr = std::unique_ptr<nftnl_set, Deleter<nftnl_set, nftnl_set_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, Deleter<nftnl_rule, nftnl_rule_free>>;
using ObjPtr = std::unique_ptr<nftnl_obj, Deleter<nftnl_obj, nftnl_obj_free>>;

uint32_t hook_number(ir::Hook h) {
  switch (h) {
    case ir::Hook::Prerouting: return NF_INET_PRE_ROUTING;
    case ir::Hook::Input: return NF_INET_LOCAL_IN;
    case ir::Hook::Forward: return NF_INET_FORWARD;
    case ir::Hook::Output: return NF_INET_LOCAL_OUT;
    case ir::Hook::Postrouting: return NF_INET_POST_ROUTING;
  }
  return NF_INET_FORWARD;
}

std::string rule_description(const ir::Rule& r, size_t index, const std::string& chain) {
  if (r.id) return fmt::format("rule zp:{} in chain {}", r.id, chain);
  return fmt::format("rule {} in chain {}", index + 1, chain);
}

class BatchWriter {
 public:
  BatchWriter(Batch& batch, std::string table) : batch_(batch), table_(std::move(table)) {}

  void table_message(uint16_t type, uint16_t flags) {
    TablePtr t(nftnl_table_alloc());
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, table_.c_str());
    nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
    if (type == NFT_MSG_NEWTABLE) nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, 0);
    nlmsghdr* nlh = batch_.start(type, flags, {"table " + table_, 0});
    nftnl_table_nlmsg_build_payload(nlh, t.get());
    batch_.finish();
  }

  void counter(const std::string& name, const CounterValue& start) {
    ObjPtr o(nftnl_obj_alloc());
    nftnl_obj_set_str(o.get(), NFTNL_OBJ_TABLE, table_.c_str());
    nftnl_obj_set_str(o.get(), NFTNL_OBJ_NAME, name.c_str());
    nftnl_obj_set_u32(o.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
    nftnl_obj_set_u32(o.get(), NFTNL_OBJ_FAMILY, NFPROTO_INET);
    nftnl_obj_set_u64(o.get(), NFTNL_OBJ_CTR_PKTS, start.packets);
    nftnl_obj_set_u64(o.get(), NFTNL_OBJ_CTR_BYTES, start.bytes);
    nlmsghdr* nlh = batch_.start(NFT_MSG_NEWOBJ, NLM_F_CREATE, {"counter " + name, 0});
    nftnl_obj_nlmsg_build_payload(nlh, o.get());
    batch_.finish();
  }

  void chain(const ir::Chain& c) {
    ChainPtr ch(nftnl_chain_alloc());
    nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_TABLE, table_.c_str());
    nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_NAME, c.name.c_str());
    nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    if (c.base) {
      nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_TYPE, c.base->nat ? "nat" : "filter");
      nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_HOOKNUM, hook_number(c.base->hook));
      nftnl_chain_set_s32(ch.get(), NFTNL_CHAIN_PRIO, c.base->priority);
      nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_POLICY, c.base->policy_accept ? NF_ACCEPT : NF_DROP);
    }
    nlmsghdr* nlh = batch_.start(NFT_MSG_NEWCHAIN, NLM_F_CREATE, {"chain " + c.name, 0});
    nftnl_chain_nlmsg_build_payload(nlh, ch.get());
    batch_.finish();
  }

  void named_set(const std::string& name, const std::vector<Field>& key, bool interval,
                   bool map, const std::vector<WireElement>& elements, bool counter = false) {
    const uint32_t id = next_set_id_++;
    SetPtr s(nftnl_set_alloc());
    uint32_t flags = (interval ? NFT_SET_INTERVAL : 0) | (map ? NFT_SET_MAP : 0);
    if (interval && key.size() > 1) flags |= NFT_SET_CONCAT;
    fill_set(s.get(), name, flags, nl::key_type(key), nl::key_len(key), id);
    if (map) {
      nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
      nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, 0);
    }
    if (interval && key.size() > 1) {
      // The kernel picks its concatenated-range backend from the field lengths.
      std::array<uint8_t, NFT_REG32_COUNT> lens{};
      for (size_t i = 0; i < key.size(); ++i) lens[i] = static_cast<uint8_t>(nl::layout(key[i]).len);
      nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, lens.data(), static_cast<uint32_t>(key.size()));
    }
    if (counter) {
      // The set's statement; the kernel gives every element added without its own a copy.
      nftnl_expr* e = nftnl_expr_alloc("counter");
      if (!e) throw BackendError("out of memory");
      nftnl_set_add_expr(s.get(), e);  // owned by the set from here
    }
    auto udata = nl::named_set_udata(key, map);
    nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, udata.data(), static_cast<uint32_t>(udata.size()));
    const std::string what = fmt::format("{} {}", map ? "map" : "set", name);
    set_message(s.get(), what);
    element_messages(name, id, elements, "elements of " + what, 0);
  }

  void anonymous_set(const AnonSet& a, const std::string& rule_what, uint32_t rule_id) {
    SetPtr s(nftnl_set_alloc());
    fill_set(s.get(), "__set%d",
             NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | (a.interval ? NFT_SET_INTERVAL : 0),
             a.key_type, a.key_len, a.id);
    nftnl_set_set_u32(s.get(), NFTNL_SET_DESC_SIZE, static_cast<uint32_t>(a.elements.size()));
    nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, a.udata.data(), static_cast<uint32_t>(a.udata.size()));
    const std::string what = "anonymous set of " + rule_what;
    set_message(s.get(), what, rule_id);
    element_messages("__set%d", a.id, a.elements, "elements of " + what, rule_id);
  }

  void rule(const nl::NamedSets& named, const ir::Rule& r, const std::string& what) {
    RulePtr nr(nftnl_rule_alloc());
    nftnl_rule_set_u32(nr.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    nftnl_rule_set_str(nr.get(), NFTNL_RULE_TABLE, table_.c_str());
    nftnl_rule_set_str(nr.get(), NFTNL_RULE_CHAIN, chain_.c_str());
    std::vector<AnonSet> anon;
    nl::encode_rule(named, r, nr.get(), next_set_id_, anon);
    for (const auto& a : anon) anonymous_set(a, what, r.id);
    nlmsghdr* nlh = batch_.start(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, {what, r.id});
    nftnl_rule_nlmsg_build_payload(nlh, nr.get());
    batch_.finish();
  }

  void set_chain(const std::string& chain) { chain_ = chain; }

 private:
  void fill_set(nftnl_set* s, const std::string& name, uint32_t flags, uint32_t key_type,
                uint32_t key_len, uint32_t id) {
    nftnl_set_set_str(s, NFTNL_SET_TABLE, table_.c_str());
    nftnl_set_set_str(s, NFTNL_SET_NAME, name.c_str());
    nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
    nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
    nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
    nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key_len);
    nftnl_set_set_u32(s, NFTNL_SET_ID, id);
  }

  void set_message(nftnl_set* s, const std::string& what, uint32_t rule_id = 0) {
    nlmsghdr* nlh = batch_.start(NFT_MSG_NEWSET, NLM_F_CREATE, {what, rule_id});
    nftnl_set_nlmsg_build_payload(nlh, s);
    batch_.finish();
  }

  static void put_data(nlmsghdr* nlh, uint16_t type, const nl::Bytes& b) {
    nlattr* nest = mnl_attr_nest_start(nlh, type);
    mnl_attr_put(nlh, NFTA_DATA_VALUE, b.len, b.data.data());
    mnl_attr_nest_end(nlh, nest);
  }

  static void put_element(nlmsghdr* nlh, const WireElement& w) {
    nlattr* elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    if (w.flags) mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(w.flags));
    put_data(nlh, NFTA_SET_ELEM_KEY, w.key);
    if (w.key_end) put_data(nlh, NFTA_SET_ELEM_KEY_END, *w.key_end);
    if (w.verdict) {
      nlattr* data = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
      nlattr* verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
      mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE,
                       htonl(static_cast<uint32_t>(nl::verdict_code(w.verdict->kind))));
      if (w.verdict->kind == ir::VerdictKind::Jump || w.verdict->kind == ir::VerdictKind::Goto)
        mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, w.verdict->chain.c_str());
      mnl_attr_nest_end(nlh, verdict);
      mnl_attr_nest_end(nlh, data);
    }
    if (w.open_end) {
      // NFTNL_UDATA_SET_ELEM_FLAGS = NFTNL_SET_ELEM_F_INTERVAL_OPEN, as nft writes it.
      uint8_t udata[6] = {NFTNL_UDATA_SET_ELEM_FLAGS, 4};
      const uint32_t open = NFTNL_SET_ELEM_F_INTERVAL_OPEN;  // host order, as libnftnl writes it
      std::memcpy(udata + 2, &open, 4);
      mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, sizeof udata, udata);
    }
    mnl_attr_nest_end(nlh, elem);
  }

  // NEWSETELEM messages in the same batch, each holding as many elements as fit.
  void element_messages(const std::string& set, uint32_t set_id,
                        const std::vector<WireElement>& elements, const std::string& what,
                        uint32_t rule_id) {
    size_t i = 0;
    while (i < elements.size()) {
      nlmsghdr* nlh = batch_.start(NFT_MSG_NEWSETELEM, NLM_F_CREATE, {what, rule_id});
      mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table_.c_str());
      mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set.c_str());
      mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(set_id));
      nlattr* list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
      while (i < elements.size() && nlh->nlmsg_len < kElementChunkBytes) put_element(nlh, elements[i++]);
      mnl_attr_nest_end(nlh, list);
      batch_.finish();
    }
  }

  Batch& batch_;
  std::string table_;
  std::string chain_;
  uint32_t next_set_id_ = 1;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

ApplyResult send(nl::Socket& socket, Batch& batch, const ApplyOptions& options,
                 ApplyResult result, Clock::time_point encode_start) {
  if (!options.dry_run) batch.end();
  result.messages = batch.messages();
  result.bytes = batch.bytes();
  result.encode_seconds = seconds_since(encode_start);
  const auto sent = Clock::now();
  result.errors = batch.explain(socket.send_batch(batch.get(), batch.messages()),
                                options.expected_generation);
  result.kernel_seconds = seconds_since(sent);
  result.generation_after = socket.generation();
  return result;
}

}  // namespace

ApplyResult apply_ruleset(const ir::Ruleset& ruleset, const ApplyOptions& options) {
  require_valid_for_nft(ruleset);
  const ir::Table& table = ruleset.table;
  nl::Socket socket;
  ApplyResult result;
  result.generation_before = socket.generation();
  // The old table's counts, carried into the counters of the same name. Packets counted between
  // this read and the commit (a few milliseconds) are not carried.
  CounterRead old_counts;
  if (!table.counters.empty() &&
      nl::dump_counters(socket, table.name, result.generation_before, old_counts) != 0)
    old_counts = {};  // a failed or torn read starts the counters at zero, never blocks an apply

  const auto start = Clock::now();
  Batch batch(socket.next_seq());
  batch.begin(options.expected_generation);
  BatchWriter w(batch, table.name);
  // Creating the table first lets the delete succeed whether or not it existed; the delete
  // takes every chain, set and rule of the old table with it, all inside the one transaction.
  w.table_message(NFT_MSG_NEWTABLE, NLM_F_CREATE);
  w.table_message(NFT_MSG_DELTABLE, 0);
  w.table_message(NFT_MSG_NEWTABLE, NLM_F_CREATE);
  for (const auto& c : table.chains) w.chain(c);
  for (const auto& name : table.counters) {
    auto it = old_counts.values.find(name);
    w.counter(name, it == old_counts.values.end() ? CounterValue{} : it->second);
  }
  for (const auto& s : table.sets) {
    w.named_set(s.name, s.key, s.interval, false, nl::set_elements(s));
    result.set_elements += s.elements.size();
  }
  for (const auto& m : table.maps) {
    w.named_set(m.name, m.key, m.interval, true, nl::map_elements(m), m.counter);
    result.set_elements += m.elements.size();
  }
  const nl::NamedSets named(table);
  for (const auto& c : table.chains) {
    w.set_chain(c.name);
    for (size_t i = 0; i < c.rules.size(); ++i) {
      w.rule(named, c.rules[i], rule_description(c.rules[i], i, c.name));
      ++result.rules;
    }
  }
  return send(socket, batch, options, std::move(result), start);
}

ApplyResult remove_table(const std::string& table_name, const ApplyOptions& options) {
  nl::Socket socket;
  ApplyResult result;
  result.generation_before = socket.generation();
  const auto start = Clock::now();
  Batch batch(socket.next_seq());
  batch.begin(options.expected_generation);
  BatchWriter w(batch, table_name);
  w.table_message(NFT_MSG_NEWTABLE, NLM_F_CREATE);
  w.table_message(NFT_MSG_DELTABLE, 0);
  return send(socket, batch, options, std::move(result), start);
}

uint32_t ruleset_generation() {
  nl::Socket socket;
  return socket.generation();
}

}  // namespace zp::backends
