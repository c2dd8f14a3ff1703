// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/rule_counts.h"

#include <algorithm>
#include <iostream>
#include <set>

#include <fmt/core.h>

#include "backends/nft_names.h"
#include "compiler/compiler.h"
#include "compiler/file_read.h"
#include "compiler/lower_naming.h"
#include "deploy/kernel.h"
#include "deploy/ops.h"
#include "pipeline/exit_codes.h"
#include "pipeline/load.h"
#include "report/formats.h"

namespace zp::cli {

RuleCounts join_counts(const policy::Policy& p, const ir::Ruleset& compiled, const CounterValues& values) {
  RuleCounts out;
  const auto& declared = compiled.table.counters;
  std::set<std::string> named;
  for (const auto& rule : p.rules) {
    std::string counter = lower::rule_counter_name(rule.name);
    named.insert(counter);
    if (!std::binary_search(declared.begin(), declared.end(), counter)) continue;  // not on this target
    RuleCount c;
    c.rule = &rule;
    c.counter = counter;
    if (auto it = values.find(counter); it != values.end()) {
      c.present = true;
      c.value = it->second;
    }
    for (const auto& ref : rule.services) {
      std::string sc = lower::service_counter_name(rule.name, ref.text);
      if (!std::binary_search(declared.begin(), declared.end(), sc)) continue;
      named.insert(sc);
      ServiceCount s{&ref, sc, false, {}};
      if (auto it = values.find(sc); it != values.end()) {
        s.present = true;
        s.value = it->second;
      }
      c.services.push_back(std::move(s));
    }
    out.rules.push_back(std::move(c));
  }
  for (const auto& [name, value] : values)
    if (is_pair_key(name)) out.pairs.emplace(name, value);
    else if (!named.count(name)) out.stray.emplace_back(name, value);
  out.expected_pairs = counted_pairs(compiled);
  return out;
}

std::optional<CounterValues> live_counts(const std::string& table, const ir::Ruleset& compiled,
                                         uint64_t* table_handle) {
  backends::CounterRead r = backends::read_counters(table);
  if (!r.error.empty()) {
    std::cerr << "zoneproof: " << r.error << "\n";
    return std::nullopt;
  }
  if (table_handle) *table_handle = r.table_handle;
  // The element counts of the maps that count, read alone (not the whole table: on a large one
  // the kernel scans every set for each set it dumps). A map that does not read back leaves its
  // pairs unknown.
  std::vector<ir::Map> counted;
  for (const auto& m : compiled.table.maps)
    if (m.counter && compiled.counting.count(m.name)) counted.push_back(m);
  if (!counted.empty()) r.values.merge(pair_counts(compiled, backends::read_maps(table, counted)));
  return r.values;
}

std::optional<CounterValues> snapshot_counts(const std::string& path, uint64_t* table_handle) {
  std::string text;
  if (auto why = read_regular_file(path, text, 256u << 20)) {
    std::cerr << fmt::format("zoneproof: cannot read counters snapshot '{}': {}\n", path, *why);
    return std::nullopt;
  }
  // {"packets": N, "bytes": N} as the snapshots write each counter.
  auto value = [](const nlohmann::json& v) -> backends::CounterValue {
    return {v.at("packets").get<uint64_t>(), v.at("bytes").get<uint64_t>()};
  };
  try {
    auto j = nlohmann::json::parse(text);
    if (table_handle) *table_handle = j.value("table_handle", uint64_t{0});
    CounterValues out;
    if (j.value("schema", "") == "zoneproof.counters/1") {  // kept by apply in the state directory
      for (const auto& [name, v] : j.at("counters").items())
        out[name] = value(v);
      return out;
    }
    if (j.value("schema", "") != "zoneproof.stats/1") throw std::runtime_error("not a zoneproof.stats/1 document");
    for (const auto& r : j.at("rules")) {
      if (!r.at("counted").get<bool>()) continue;
      out[r.at("counter").get<std::string>()] = value(r);
      for (const auto& s : r.value("services", nlohmann::json::array()))
        if (s.at("counted").get<bool>())
          out[s.at("counter").get<std::string>()] = value(s);
    }
    for (const auto& s : j.at("stray")) out[s.at("counter").get<std::string>()] = value(s);
    for (const auto& s : j.value("pairs", nlohmann::json::array())) {
      auto hook = backends::hook_from_name(s.at("hook").get<std::string>());
      if (!hook) throw std::runtime_error("a pair of an unknown hook");
      out[pair_key(*hook, s.at("from").get<std::string>(), s.at("to").get<std::string>(),
                   s.at("stage").get<std::string>())] = value(s);
    }
    return out;
  } catch (const std::exception& e) {
    std::cerr << fmt::format("zoneproof: '{}' is not a counters snapshot (of `zoneproof stats --format "
                             "json`, or of an apply): {}\n",
                             path, e.what());
    return std::nullopt;
  }
}

std::optional<CounterValues> read_counts(const CountsSource& s, const std::string& table, const ir::Ruleset& compiled,
                                         const std::string& command, uint64_t* table_handle) {
  if (s.live == !s.from.empty()) {
    std::cerr << fmt::format("zoneproof: {}: give --live (read the kernel) or --from SNAPSHOT (a file written "
                             "by `zoneproof stats --live --format json`)\n",
                             command);
    return std::nullopt;
  }
  if (!s.live) return snapshot_counts(s.from, table_handle);
  if (!deploy::has_net_admin()) {
    std::cerr << "zoneproof: " << deploy::privilege_message(command + " --live") << "\n";
    return std::nullopt;
  }
  return live_counts(table, compiled, table_handle);
}

std::optional<CountsInput> load_counts(const CountsSource& s, const std::string& command, int& exit_code) {
  exit_code = kExitUsage;
  auto loaded = pipeline::load_and_report(s.policy, true);
  if (!loaded.policy) {
    exit_code = loaded.exit_code;
    return std::nullopt;
  }
  auto indices = pipeline::select_targets(*loaded.policy, {s.target});
  if (!indices) return std::nullopt;
  CountsInput in{std::move(*loaded.policy), indices->front(), {}, {}, {}};
  in.compiled = lower_target(in.policy, indices->front());
  in.table = s.table.empty() ? in.compiled.table.name : s.table;
  uint64_t handle = 0;
  auto values = read_counts(s, in.table, in.compiled, command, &handle);
  if (!values) return std::nullopt;
  in.counts = join_counts(in.policy, in.compiled, *values);
  in.counts.table_handle = handle;
  exit_code = kExitOk;
  return in;
}

nlohmann::json counts_json(const RuleCounts& counts, const std::string& policy, const std::string& target,
                           const std::string& table, const std::string& time) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& c : counts.rules) {
    nlohmann::json r{{"rule", c.rule->name},
                     {"location", ir::to_string(c.rule->loc)},
                     {"action", std::string(policy::to_string(c.rule->action))},
                     {"counter", c.counter},
                     {"counted", c.present},
                     {"packets", c.value.packets},
                     {"bytes", c.value.bytes}};
    if (!c.rule->meta.empty()) r["ownership"] = report::ownership_json(c.rule->meta);
    if (!c.services.empty()) {
      nlohmann::json services = nlohmann::json::array();
      for (const auto& s : c.services)
        services.push_back({{"service", s.service->text}, {"location", ir::to_string(s.service->loc)},
                            {"counter", s.counter}, {"counted", s.present}, {"packets", s.value.packets},
                            {"bytes", s.value.bytes}});
      r["services"] = services;
    }
    rules.push_back(std::move(r));
  }
  nlohmann::json stray = nlohmann::json::array();
  for (const auto& [name, value] : counts.stray)
    stray.push_back({{"counter", name}, {"packets", value.packets}, {"bytes", value.bytes}});
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& [key, value] : counts.pairs)
    if (auto k = parse_pair_key(key))
      pairs.push_back({{"hook", k->hook}, {"from", k->from}, {"to", k->to}, {"stage", k->stage},
                       {"packets", value.packets}, {"bytes", value.bytes}});
  nlohmann::json j{{"schema", "zoneproof.stats/1"}, {"policy", policy}, {"target", target}, {"table", table},
                   {"time", time}, {"rules", rules}, {"stray", stray}, {"pairs", pairs}};
  if (counts.table_handle) j["table_handle"] = counts.table_handle;
  return j;
}

}  // namespace zp::cli
