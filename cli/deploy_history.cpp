#include "cli/deploy_history.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/core.h>

namespace zp::cli {

namespace {

constexpr const char* kSchema = "zoneproof.history/1";

const std::pair<EntryStatus, const char*> kStatusNames[] = {
    {EntryStatus::Applying, "applying"},     {EntryStatus::Pending, "pending"},
    {EntryStatus::Confirmed, "confirmed"},   {EntryStatus::RolledBack, "rolled-back"},
    {EntryStatus::Failed, "failed"},         {EntryStatus::Interrupted, "interrupted"},
};

EntryStatus status_from(const std::string& s) {
  for (const auto& [st, name] : kStatusNames)
    if (s == name) return st;
  throw std::runtime_error(fmt::format("unknown status \"{}\"", s));
}

std::optional<nlohmann::json> optional_doc(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key);
}

// Entry numbers of the files in STATE/history ("00000042.json"), ascending.
std::vector<uint64_t> entry_numbers(const std::string& dir) {
  std::vector<uint64_t> out;
  DIR* d = opendir((dir + "/history").c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() != 13 || name.substr(8) != ".json") continue;
    if (!std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    out.push_back(std::stoull(name.substr(0, 8)));
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

std::string_view to_string(EntryStatus s) {
  for (const auto& [st, name] : kStatusNames)
    if (s == st) return name;
  return "?";
}

nlohmann::json entry_json(const HistoryEntry& e) {
  nlohmann::json j;
  j["schema"] = kSchema;
  j["seq"] = e.seq;
  j["action"] = e.action;
  j["time"] = utc_time(e.time);
  j["unix_time"] = e.time;
  j["policy"] = e.policy;
  j["target"] = e.target;
  j["table"] = e.table;
  j["hash"] = e.hash;
  j["forced"] = e.forced;
  j["lockout_allowed"] = e.lockout_allowed;
  j["status"] = std::string(to_string(e.status));
  j["note"] = e.note;
  j["rules"] = e.rules;
  j["set_elements"] = e.set_elements;
  j["confirm_deadline"] = e.confirm_deadline ? nlohmann::json(*e.confirm_deadline) : nlohmann::json();
  j["previous_state"] = e.previous_state;
  j["previous_errors"] = e.previous_errors;
  j["previous"] = e.previous ? *e.previous : nlohmann::json();
  j["applied"] = e.applied ? *e.applied : nlohmann::json();
  return j;
}

HistoryEntry entry_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("schema") || j.at("schema") != kSchema)
    throw std::runtime_error(fmt::format("not a zoneproof history entry (schema {})", kSchema));
  HistoryEntry e;
  try {
    e.seq = j.at("seq").get<uint64_t>();
    e.action = j.at("action").get<std::string>();
    e.time = j.at("unix_time").get<int64_t>();
    e.policy = j.at("policy").get<std::string>();
    e.target = j.at("target").get<std::string>();
    e.table = j.at("table").get<std::string>();
    e.hash = j.at("hash").get<std::string>();
    e.forced = j.at("forced").get<bool>();
    e.lockout_allowed = j.at("lockout_allowed").get<bool>();
    e.status = status_from(j.at("status").get<std::string>());
    e.note = j.at("note").get<std::string>();
    e.rules = j.at("rules").get<size_t>();
    e.set_elements = j.at("set_elements").get<size_t>();
    if (!j.at("confirm_deadline").is_null()) e.confirm_deadline = j.at("confirm_deadline").get<int64_t>();
    e.previous_state = j.at("previous_state").get<std::string>();
    e.previous_errors = j.at("previous_errors").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& ex) {
    throw std::runtime_error(ex.what());
  }
  e.previous = optional_doc(j, "previous");
  e.applied = optional_doc(j, "applied");
  return e;
}

std::string utc_time(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string entry_summary(const HistoryEntry& e) {
  std::string what = e.action == "remove"
                         ? fmt::format("remove table inet {}", e.table)
                         : fmt::format("apply {} --target {} (table inet {})", e.policy, e.target, e.table);
  return fmt::format("#{} {} {} [{}]", e.seq, utc_time(e.time), what, to_string(e.status));
}

std::string content_hash(const nlohmann::json& document) {
  // FNV-1a: a content identifier for the history, not a security measure.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : document.dump()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("fnv1a64:{:016x}", h);
}

std::string History::entry_path(uint64_t seq) const {
  return fmt::format("{}/history/{:08d}.json", dir_, seq);
}

bool History::load(std::vector<HistoryEntry>& out, std::string& error) const {
  out.clear();
  for (uint64_t seq : entry_numbers(dir_)) {
    const std::string path = entry_path(seq);
    std::string text;
    if (!read_text(path, text)) {
      error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
      return false;
    }
    try {
      out.push_back(entry_from_json(nlohmann::json::parse(text)));
    } catch (const std::exception& ex) {
      error = fmt::format("{}: {}", path, ex.what());
      return false;
    }
  }
  return true;
}

uint64_t History::next_seq() const {
  auto seqs = entry_numbers(dir_);
  return seqs.empty() ? 1 : seqs.back() + 1;
}

bool History::save(const HistoryEntry& e, std::string& error) const {
  return write_atomically(entry_path(e.seq), entry_json(e).dump(1) + "\n", error);
}

void History::prune(size_t keep) const {
  auto seqs = entry_numbers(dir_);
  auto pending = load_pending(dir_);
  for (size_t i = 0; i + keep < seqs.size(); ++i)
    if (!pending || pending->seq != seqs[i]) std::remove(entry_path(seqs[i]).c_str());
}

bool write_atomically(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = fmt::format("cannot write {}: {}", tmp, std::strerror(errno));
    return false;
  }
  size_t at = 0;
  while (at < text.size()) {
    ssize_t n = write(fd, text.data() + at, text.size() - at);
    if (n <= 0) {
      error = fmt::format("cannot write {}: {}", tmp, std::strerror(errno));
      close(fd);
      std::remove(tmp.c_str());
      return false;
    }
    at += static_cast<size_t>(n);
  }
  // fsync before rename: after a power loss the file is either the old one or complete.
  bool ok = fsync(fd) == 0;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

std::optional<Pending> load_pending(const std::string& state_dir) {
  std::string text;
  if (!read_text(state_dir + "/pending.json", text)) return std::nullopt;
  try {
    auto j = nlohmann::json::parse(text);
    Pending p;
    p.seq = j.at("seq").get<uint64_t>();
    p.deadline = j.at("deadline").get<int64_t>();
    p.timer_pid = j.at("timer_pid").get<int>();
    return p;
  } catch (const std::exception&) {
    return std::nullopt;  // a torn write cannot happen (rename); anything else is not ours
  }
}

bool save_pending(const std::string& state_dir, const Pending& p, std::string& error) {
  nlohmann::json j{{"seq", p.seq}, {"deadline", p.deadline}, {"deadline_utc", utc_time(p.deadline)},
                   {"timer_pid", p.timer_pid}};
  return write_atomically(state_dir + "/pending.json", j.dump(1) + "\n", error);
}

void remove_pending(const std::string& state_dir) { std::remove((state_dir + "/pending.json").c_str()); }

}  // namespace zp::cli
