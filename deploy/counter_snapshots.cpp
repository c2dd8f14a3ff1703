// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/counter_snapshots.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "backends/netlink.h"
#include "deploy/history.h"
#include "pipeline/secure_file.h"

namespace zp::deploy {

namespace {

constexpr const char* kDir = "counters";

bool is_snapshot_name(const std::string& name) {
  return name.size() == 13 && name.substr(8) == ".json" &&
         std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool save_counter_snapshot(const std::string& state_dir, uint64_t seq, const std::string& table,
                           std::string& error) {
  backends::CounterRead r = backends::read_counters(table);
  if (!r.error.empty()) {
    error = r.error;
    return false;
  }
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& [name, v] : r.values) counters[name] = {{"packets", v.packets}, {"bytes", v.bytes}};
  nlohmann::json j{{"schema", "zoneproof.counters/1"}, {"table", table}, {"seq", seq},
                   {"time", utc_time(std::time(nullptr))}, {"counters", counters}};
  if (r.table_handle) j["table_handle"] = r.table_handle;
  pipeline::Fd d = pipeline::open_trusted_dir(state_dir + "/" + kDir, pipeline::TrustPolicy{0700}, error);
  if (!d) return false;
  return pipeline::write_file_atomically_at(d.get(), fmt::format("{:08d}.json", seq), j.dump(1) + "\n", 0600, error);
}

std::optional<std::string> latest_counter_snapshot(const std::string& state_dir, std::string& error) {
  const std::string none = fmt::format("no counter snapshot in {}/{}: one is kept at each apply that succeeds",
                                       state_dir, kDir);
  pipeline::Fd d = pipeline::open_trusted_dir(state_dir + "/" + kDir, pipeline::TrustPolicy{0}, error);
  if (!d) {
    error = fmt::format("{} ({})", none, error);
    return std::nullopt;
  }
  int fd = dup(d.get());
  DIR* dir = fd >= 0 ? fdopendir(fd) : nullptr;
  if (!dir) {
    if (fd >= 0) close(fd);
    error = fmt::format("cannot list {}/{}", state_dir, kDir);
    return std::nullopt;
  }
  std::string newest;
  while (dirent* e = readdir(dir))
    if (std::string name = e->d_name; is_snapshot_name(name) && name > newest) newest = name;
  closedir(dir);
  if (newest.empty()) {
    error = none;
    return std::nullopt;
  }
  return fmt::format("{}/{}/{}", state_dir, kDir, newest);
}

}  // namespace zp::deploy
