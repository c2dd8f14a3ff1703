// SPDX-License-Identifier: GPL-2.0-or-later
// Kernel -> IR: dumps of one inet table (chains, sets and their elements, rules), all from one
// ruleset generation.
#include <cstdio>  // libnftnl headers use FILE without including it

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/core.h>

#include "backends/netlink.h"
#include "backends/netlink_counters.h"
#include "backends/netlink_elements.h"
#include "backends/netlink_encoding.h"
#include "backends/netlink_expr.h"
#include "backends/netlink_socket.h"
#include "backends/nft_names.h"

namespace zp::backends {

namespace {

using nl::DumpedSet;
using nl::DumpedSets;

using nl::text;

// Set flags zoneproof writes; any other (timeouts, dynamic sets, objects) is someone else's.
constexpr uint32_t kKnownSetFlags =
    NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | NFT_SET_INTERVAL | NFT_SET_MAP | NFT_SET_CONCAT;

std::optional<ir::Hook> hook_of(uint32_t num) {
  switch (num) {
    case NF_INET_PRE_ROUTING: return ir::Hook::Prerouting;
    case NF_INET_LOCAL_IN: return ir::Hook::Input;
    case NF_INET_FORWARD: return ir::Hook::Forward;
    case NF_INET_LOCAL_OUT: return ir::Hook::Output;
    case NF_INET_POST_ROUTING: return ir::Hook::Postrouting;
    default: return std::nullopt;
  }
}

// Whether a set's dumped elements name one element twice, which a set never holds: the dump was
// torn. The kernel resumes an element dump in each new message by walking the set again and
// skipping as many elements as it already sent (nf_tables_dump_set, iter.skip); when the walk
// order changes between two messages, some elements come twice and as many never come, with the
// total unchanged. A hash set's order changes when its rhashtable is resized, which a deferred
// kernel worker does after a batch grew the set, so a read right after an apply can meet it. No
// generation changes (the kernel flags nothing), and every element missed means another repeated.
bool repeats_an_element(const std::vector<nl::WireElement>& elements) {
  auto bytes_less = [](const nl::Bytes& a, const nl::Bytes& b) {
    return std::lexicographical_compare(a.data.begin(), a.data.begin() + a.len, b.data.begin(),
                                        b.data.begin() + b.len);
  };
  // The identity of an element: its key, key end and flags (an interval end element may share
  // its key with the start of the next range).
  auto less = [&](const nl::WireElement* a, const nl::WireElement* b) {
    if (a->flags != b->flags) return a->flags < b->flags;
    if (!(a->key == b->key)) return bytes_less(a->key, b->key);
    if (a->key_end.has_value() != b->key_end.has_value()) return !a->key_end.has_value();
    return a->key_end && bytes_less(*a->key_end, *b->key_end);
  };
  std::vector<const nl::WireElement*> sorted;
  sorted.reserve(elements.size());
  for (const auto& e : elements) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), less);
  return std::adjacent_find(sorted.begin(), sorted.end(), [&](const auto* a, const auto* b) {
           return !less(a, b) && !less(b, a);
         }) != sorted.end();
}

// The default field of a key datatype when no rule uses the set (nft stores only types).
std::optional<Field> canonical_field(uint32_t datatype) {
  auto fields = nl::fields_of_datatype(datatype);
  if (fields.empty()) return std::nullopt;
  for (Field f : fields)
    if (f == Field::Dport) return f;
  return fields.front();
}

class Reader {
 public:
  // `rules_socket` dumps the rules beside the set elements: run needs it, run_maps does not.
  Reader(nl::Socket& socket, nl::Socket* rules_socket, std::string table, uint32_t generation)
      : socket_(socket), rules_socket_(rules_socket), table_(std::move(table)), generation_(generation) {}

  // Returns 0, EINTR when the ruleset changed during the dumps or a set's element dump was torn
  // (both worth another try), or another errno.
  int run(ReadResult& out) {
    out.table.name = table_;
    if (int e = dump_tables(out)) return e;
    if (!out.found) return 0;
    if (int e = dump_chains(out)) return e;
    if (int e = dump_sets(out)) return e;
    // The rule dump and the element dumps are each about half of a large table's reading, most
    // of it the kernel's (each resumed dump walks again what it already sent): with a second
    // socket, the rules' messages are dumped on a thread of their own, kept as they came, and
    // decoded here once the elements are in (an anonymous set's elements are a rule's values).
    if (!rules_socket_) throw std::logic_error("netlink read: a whole table is read with two sockets");
    RuleMessages rules;
    std::jthread rule_dump([&] { dump_rule_messages(rules); });  // joined on every way out
    for (auto& [name, set] : sets_)
      if (int e = dump_elements(set)) return e;
    rule_dump.join();
    if (rules.error) return rules.error;
    read_rules(out, rules);
    named_sets(out);
    CounterRead counters;
    if (int e = nl::dump_counters(socket_, table_, generation_, counters)) return e;
    for (const auto& [name, value] : counters.values) out.table.counters.push_back(name);  // sorted
    for (const auto& name : counters.foreign)
      error(out, "object " + name, "a stateful object other than a counter");
    return 0;
  }

  // Only the elements of `maps` (named maps of the table), decoded with their key fields: what
  // the counts per element need, without the whole table. A map the table lacks is left out; one
  // whose elements do not all carry a count gets no element_counts.
  int run_maps(const std::vector<ir::Map>& maps, ReadResult& out) {
    out.table.name = table_;
    for (const auto& m : maps) {
      DumpedSet d;
      d.name = m.name;
      const int e = dump_elements(d);
      if (e == ENOENT) continue;
      if (e != 0) return e;
      out.found = true;
      std::string err;
      auto elements = nl::decode_elements(m.key, m.interval, d.elements, &err);
      if (!err.empty()) {
        error(out, "map " + m.name, err);
        continue;
      }
      ir::Map live{m.name, m.key, m.interval, {}};
      std::vector<CounterValue> counts;
      bool counted = true;
      for (auto& el : elements) {
        if (!el.verdict) continue;
        live.elements.push_back({std::move(el.key), *el.verdict});
        counted = counted && el.count.has_value();
        counts.push_back(el.count.value_or(CounterValue{}));
      }
      live.counter = counted;
      if (counted) out.element_counts[m.name] = std::move(counts);
      out.table.maps.push_back(std::move(live));
    }
    return 0;
  }

 private:
  void error(ReadResult& out, std::string object, std::string message) {
    out.errors.push_back({fmt::format("{}: {}", object, message), 0, std::move(object), 0});
  }

  int dump(uint16_t type, const std::function<void(nlmsghdr*)>& payload,
           const std::function<void(const nlmsghdr*)>& on_message) {
    return dump_on(socket_, type, payload, on_message);
  }
  int dump_on(nl::Socket& socket, uint16_t type, const std::function<void(nlmsghdr*)>& payload,
              const std::function<void(const nlmsghdr*)>& on_message) {
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), type, NFPROTO_INET, NLM_F_DUMP, socket.next_seq());
    payload(nlh);
    return socket.dump(nlh, generation_, on_message);
  }

  int dump_tables(ReadResult& out) {
    return dump(NFT_MSG_GETTABLE, [](nlmsghdr*) {}, [&](const nlmsghdr* nlh) {
      std::unique_ptr<nftnl_table, decltype(&nftnl_table_free)> t(nftnl_table_alloc(), nftnl_table_free);
      if (nftnl_table_nlmsg_parse(nlh, t.get()) < 0) return;
      if (table_ != text(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME))) return;
      out.found = true;
      if (nftnl_table_get_u32(t.get(), NFTNL_TABLE_FLAGS) != 0)
        error(out, "table " + table_, "table flags (dormant or owned) that zoneproof does not set");
    });
  }

  int dump_chains(ReadResult& out) {
    return dump(NFT_MSG_GETCHAIN, [](nlmsghdr*) {}, [&](const nlmsghdr* nlh) {
      std::unique_ptr<nftnl_chain, decltype(&nftnl_chain_free)> c(nftnl_chain_alloc(), nftnl_chain_free);
      if (nftnl_chain_nlmsg_parse(nlh, c.get()) < 0) return;
      if (table_ != text(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE))) return;
      ir::Chain chain;
      chain.name = text(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME));
      if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM)) {
        const std::string what = "chain " + chain.name;
        const std::string type = text(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TYPE));
        auto hook = hook_of(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM));
        if (type != "filter" && type != "nat") error(out, what, "chain type other than filter or nat");
        if (!hook) error(out, what, "hook other than prerouting/input/forward/output/postrouting");
        ir::BaseChain base;
        base.hook = hook.value_or(ir::Hook::Forward);
        base.priority = nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO);
        base.policy_accept = nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_ACCEPT;
        base.nat = type == "nat";
        chain.base = base;
      }
      out.table.chains.push_back(std::move(chain));
    });
  }

  int dump_sets(ReadResult& out) {
    return dump(NFT_MSG_GETSET, [](nlmsghdr*) {}, [&](const nlmsghdr* nlh) {
      std::unique_ptr<nftnl_set, decltype(&nftnl_set_free)> s(nftnl_set_alloc(), nftnl_set_free);
      if (nftnl_set_nlmsg_parse(nlh, s.get()) < 0) return;
      if (table_ != text(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE))) return;
      DumpedSet d;
      d.name = text(nftnl_set_get_str(s.get(), NFTNL_SET_NAME));
      d.flags = nftnl_set_get_u32(s.get(), NFTNL_SET_FLAGS);
      d.key_type = nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_TYPE);
      d.key_len = nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_LEN);
      if (nftnl_set_is_set(s.get(), NFTNL_SET_DATA_TYPE))
        d.data_type = nftnl_set_get_u32(s.get(), NFTNL_SET_DATA_TYPE);
      const std::string what = "set " + d.name;
      if (d.flags & ~kKnownSetFlags) error(out, what, fmt::format("set flags 0x{:x}", d.flags));
      if (nftnl_set_is_set(s.get(), NFTNL_SET_TIMEOUT)) error(out, what, "timeouts on a set");
      // The one statement zoneproof puts on a set: a counter on a map, so each element counts.
      std::vector<std::string> statements;
      nftnl_set_expr_foreach(s.get(), [](nftnl_expr* e, void* data) {
        static_cast<std::vector<std::string>*>(data)->push_back(text(nftnl_expr_get_str(e, NFTNL_EXPR_NAME)));
        return 0;
      }, &statements);
      d.counter = statements == std::vector<std::string>{"counter"} && (d.flags & NFT_SET_MAP);
      if (!statements.empty() && !d.counter) error(out, what, "statements on a set other than a map's counter");
      set_order_.push_back(d.name);
      sets_.emplace(d.name, std::move(d));
    });
  }

  int dump_elements(DumpedSet& set) {
    const int err = dump(
        NFT_MSG_GETSETELEM,
        [&](nlmsghdr* nlh) {
          mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table_.c_str());
          mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set.name.c_str());
        },
        [&](const nlmsghdr* nlh) {
          std::unique_ptr<nftnl_set, decltype(&nftnl_set_free)> s(nftnl_set_alloc(), nftnl_set_free);
          if (nftnl_set_elems_nlmsg_parse(nlh, s.get()) < 0) return;
          std::unique_ptr<nftnl_set_elems_iter, decltype(&nftnl_set_elems_iter_destroy)> it(
              nftnl_set_elems_iter_create(s.get()), nftnl_set_elems_iter_destroy);
          for (auto* e = nftnl_set_elems_iter_next(it.get()); e; e = nftnl_set_elems_iter_next(it.get()))
            set.elements.push_back(wire_element(e));
        });
    if (err != 0) return err;
    return repeats_an_element(set.elements) ? EINTR : 0;
  }

  static nl::WireElement wire_element(nftnl_set_elem* e) {
    nl::WireElement w;
    auto copy = [](nftnl_set_elem* el, uint16_t attr, nl::Bytes& b) {
      uint32_t len = 0;
      const void* p = nftnl_set_elem_get(el, attr, &len);
      b.len = std::min<uint32_t>(len, b.data.size());
      if (p) std::memcpy(b.data.data(), p, b.len);
    };
    copy(e, NFTNL_SET_ELEM_KEY, w.key);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)) copy(e, NFTNL_SET_ELEM_KEY_END, w.key_end.emplace());
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS)) w.flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
    nftnl_set_elem_expr_foreach(e, [](nftnl_expr* x, void* data) {
      if (text(nftnl_expr_get_str(x, NFTNL_EXPR_NAME)) == "counter")
        *static_cast<std::optional<CounterValue>*>(data) =
            CounterValue{nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS), nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES)};
      return 0;
    }, &w.count);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
      ir::Verdict v;
      auto kind = nl::verdict_kind(static_cast<int32_t>(nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT)));
      // An unknown verdict code is kept as a jump without a chain, which named_sets() reports.
      v.kind = kind.value_or(ir::VerdictKind::Jump);
      if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)) v.chain = text(nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
      w.verdict = v;
    }
    return w;
  }

  // The rule dump's reply messages, copied as they came (each message's bytes, one after the
  // other), and the dump's answer.
  struct RuleMessages {
    std::vector<char> bytes;
    std::vector<size_t> starts;
    int error = 0;
  };

  // Where each chain's rules go, and how many each has had.
  struct RuleReading {
    explicit RuleReading(const ReadResult& out) : counts(out.table.chains.size()) {
      for (size_t i = 0; i < out.table.chains.size(); ++i) chain_at.emplace(out.table.chains[i].name, i);
    }
    std::vector<size_t> counts;
    std::unordered_map<std::string, size_t> chain_at;  // a table of 10,000 rules has as many chains
  };

  // On the rule dump's thread: touches only `into` and the second socket.
  void dump_rule_messages(RuleMessages& into) {
    try {
      into.error = dump_on(*rules_socket_, NFT_MSG_GETRULE, [](nlmsghdr*) {}, [&](const nlmsghdr* reply) {
        into.starts.push_back(into.bytes.size());
        const char* p = reinterpret_cast<const char*>(reply);
        into.bytes.insert(into.bytes.end(), p, p + reply->nlmsg_len);
        into.bytes.resize(MNL_ALIGN(into.bytes.size()));  // the next header aligned, as in a buffer
      });
    } catch (const std::bad_alloc&) {
      into.error = ENOMEM;
    }
  }

  void read_rules(ReadResult& out, const RuleMessages& rules) {
    RuleReading reading(out);
    for (size_t start : rules.starts) read_rule(out, reading, reinterpret_cast<const nlmsghdr*>(&rules.bytes[start]));
  }

  void read_rule(ReadResult& out, RuleReading& reading, const nlmsghdr* nlh) {
    std::unique_ptr<nftnl_rule, decltype(&nftnl_rule_free)> r(nftnl_rule_alloc(), nftnl_rule_free);
    if (nftnl_rule_nlmsg_parse(nlh, r.get()) < 0) return;
    if (table_ != text(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE))) return;
    const std::string chain = text(nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN));
    auto at = reading.chain_at.find(chain);
    if (at == reading.chain_at.end()) return error(out, "chain " + chain, "rules of an unknown chain");
    auto it = out.table.chains.begin() + static_cast<std::ptrdiff_t>(at->second);
    const size_t position = ++reading.counts[at->second];
    auto decoded = nl::decode_rule(r.get(), sets_);
    if (auto* rule = std::get_if<ir::Rule>(&decoded)) return it->rules.push_back(std::move(*rule));
    const std::string object = fmt::format("rule {} (handle {}) in chain {}", position,
                                           nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE), chain);
    error(out, object, std::get<std::string>(decoded));
  }

  void named_sets(ReadResult& out) {
    const auto uses = ir::first_key_uses(out.table);
    for (const auto& name : set_order_) {
      const DumpedSet& d = sets_.at(name);
      if (d.flags & NFT_SET_ANONYMOUS) continue;
      const std::string what = fmt::format("{} {}", (d.flags & NFT_SET_MAP) ? "map" : "set", name);
      // The fields of the first use, else the canonical ones of the key's types.
      std::optional<std::vector<Field>> key;
      if (auto use = uses.find(name); use != uses.end()) key = use->second;
      if (!key) {
        key.emplace();
        for (uint32_t type : nl::split_key_type(d.key_type)) {
          auto f = canonical_field(type);
          if (!f) return error(out, what, fmt::format("key datatype {} zoneproof does not use", type));
          key->push_back(*f);
        }
      }
      if (nl::key_len(*key) != d.key_len) return error(out, what, "key length does not fit its type");
      const bool interval = d.flags & NFT_SET_INTERVAL;
      std::string err;
      auto elements = nl::decode_elements(*key, interval, d.elements, &err);
      if (!err.empty()) error(out, what, err);
      if (!(d.flags & NFT_SET_MAP)) {
        ir::Set s{name, *key, interval, {}};
        for (auto& e : elements) s.elements.push_back(std::move(e.key));
        out.table.sets.push_back(std::move(s));
        continue;
      }
      if (d.data_type != NFT_DATA_VERDICT) error(out, what, "map whose data is not a verdict");
      ir::Map m{name, *key, interval, {}};
      m.counter = d.counter;
      std::vector<CounterValue> counts;
      for (auto& e : elements) {
        if (!e.verdict) {
          error(out, what, "map element without a verdict");
          continue;
        }
        if (e.verdict->kind == ir::VerdictKind::Jump && e.verdict->chain.empty())
          error(out, what, "map element with an unknown verdict");
        m.elements.push_back({std::move(e.key), *e.verdict});
        counts.push_back(e.count.value_or(CounterValue{}));
      }
      if (m.counter) out.element_counts[name] = std::move(counts);
      out.table.maps.push_back(std::move(m));
    }
  }

  nl::Socket& socket_;
  nl::Socket* rules_socket_;
  std::string table_;
  uint32_t generation_;
  DumpedSets sets_;
  std::vector<std::string> set_order_;
};

}  // namespace

namespace {

// The whole table, or only `only_maps` (read_maps).
ReadResult read_with(const std::string& table_name, const std::vector<ir::Map>* only_maps) {
  nl::Socket socket;
  std::optional<nl::Socket> rules_socket;  // the whole table's rules are dumped on a second one
  if (!only_maps) rules_socket.emplace();
  ReadResult result;
  const int e = nl::read_consistent(socket, [&](uint32_t generation) {
    result = ReadResult{};
    result.generation = generation;
    Reader reader(socket, rules_socket ? &*rules_socket : nullptr, table_name, generation);
    // EINTR: another process changed the ruleset during the dumps, or a set's elements were
    // dumped while the kernel reordered them (see repeats_an_element): read_consistent reads again.
    return only_maps ? reader.run_maps(*only_maps, result) : reader.run(result);
  });
  if (e == EINTR) {
    result = ReadResult{};
    result.errors.push_back({fmt::format("the ruleset kept changing while table {} was read (or a "
                                         "set's elements never came in one consistent dump)",
                                         table_name),
                             0, "table " + table_name, EINTR});
  } else if (e != 0) {
    result.errors.push_back({fmt::format("reading table {} failed: {}", table_name, strerror(e)), 0,
                             "table " + table_name, e});
  }
  return result;
}

}  // namespace

ReadResult read_table(const std::string& table_name) { return read_with(table_name, nullptr); }

ReadResult read_maps(const std::string& table_name, const std::vector<ir::Map>& maps) {
  return read_with(table_name, &maps);
}

}  // namespace zp::backends
