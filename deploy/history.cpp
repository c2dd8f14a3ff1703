// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/history.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "pipeline/secure_file.h"

namespace zp::deploy {

namespace {

constexpr const char* kSchema = "zoneproof.history/2";
constexpr const char* kLegacySchema = "zoneproof.history/1";  // rulesets inline; read, then migrated

// Upper bounds for what is read back: far above anything zoneproof writes (an entry is a few
// hundred bytes, a 20k-rule ruleset about 10 MB), low enough that a planted giant is refused.
constexpr size_t kMaxEntryBytes = 256u << 20;  // a legacy entry holds two rulesets
constexpr size_t kMaxRulesetBytes = 256u << 20;
constexpr size_t kMaxPolicyBytes = 64u << 20;
constexpr size_t kMaxSmallBytes = 64u << 10;

const std::pair<EntryStatus, const char*> kStatusNames[] = {
    {EntryStatus::Applying, "applying"},     {EntryStatus::Pending, "pending"},
    {EntryStatus::Confirmed, "confirmed"},   {EntryStatus::RolledBack, "rolled-back"},
    {EntryStatus::Failed, "failed"},         {EntryStatus::Interrupted, "interrupted"},
};

constexpr std::pair<PreviousState, const char*> kPreviousNames[] = {
    {PreviousState::None, "none"}, {PreviousState::Saved, "saved"}, {PreviousState::Unreadable, "unreadable"}};

// An entry's enumerated fields as written on disk. A name not in the table makes the entry
// damaged (or forged): it is skipped like a truncated one.
template <class E, size_t N>
E named(const std::pair<E, const char*> (&names)[N], const std::string& s, const char* field) {
  for (const auto& [value, name] : names)
    if (s == name) return value;
  throw std::runtime_error(fmt::format("unknown {} \"{}\"", field, s));
}

template <class E, size_t N>
std::string_view name_of(const std::pair<E, const char*> (&names)[N], E v) {
  for (const auto& [value, name] : names)
    if (v == value) return name;
  return "?";
}

std::optional<nlohmann::json> optional_doc(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key);
}

// The names in a directory (by descriptor; the descriptor stays open).
std::vector<std::string> names_in(int dirfd) {
  std::vector<std::string> out;
  int copy = dup(dirfd);
  if (copy < 0) return out;
  DIR* d = fdopendir(copy);
  if (!d) {
    close(copy);
    return out;
  }
  while (dirent* e = readdir(d)) out.push_back(e->d_name);
  closedir(d);
  return out;
}

bool is_entry_name(const std::string& name) {
  return name.size() == 13 && name.substr(8) == ".json" &&
         std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; });
}

// Entry numbers of the files in STATE/history ("00000042.json"), ascending.
std::vector<uint64_t> entry_numbers(int history_fd) {
  std::vector<uint64_t> out;
  for (const auto& name : names_in(history_fd))
    if (is_entry_name(name)) out.push_back(std::stoull(name.substr(0, 8)));
  std::sort(out.begin(), out.end());
  return out;
}

std::string entry_name(uint64_t seq) { return fmt::format("{:08d}.json", seq); }

// "fnv1a64:0123456789abcdef" -> "0123456789abcdef"; "" for anything else (so a forged hash can
// never name a path outside the store).
std::string hash_hex(const std::string& hash) {
  constexpr std::string_view kPrefix = "fnv1a64:";
  if (hash.size() != kPrefix.size() + 16 || hash.compare(0, kPrefix.size(), kPrefix) != 0) return "";
  std::string hex = hash.substr(kPrefix.size());
  for (char c : hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return "";
  return hex;
}

// A trusted subdirectory of the state directory, created (0700) when `create`.
pipeline::Fd subdir(const std::string& state_dir, const char* name, bool create, std::string& error) {
  return pipeline::open_trusted_dir(state_dir + "/" + name, pipeline::TrustPolicy{static_cast<mode_t>(create ? 0700 : 0)}, error);
}

// Stores `bytes` as DIR/HEX.EXT unless it is there already. False with `error`.
bool store_blob(const std::string& state_dir, const char* dir, const std::string& hash, const char* ext,
                std::string_view bytes, std::string& error) {
  pipeline::Fd d = subdir(state_dir, dir, true, error);
  if (!d) return false;
  const std::string name = hash_hex(hash) + ext;
  struct stat st {};
  if (fstatat(d.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
      static_cast<size_t>(st.st_size) == bytes.size())
    return true;  // content-addressed: the same name holds the same bytes
  if (!pipeline::write_file_atomically_at(d.get(), name, bytes, 0600, error)) {
    error = fmt::format("{}/{}/{}", state_dir, dir, error.substr(std::string("cannot write ").size()));
    error = "cannot write " + error;
    return false;
  }
  return true;
}

std::optional<std::string> load_blob(const std::string& state_dir, const char* dir, const std::string& hash,
                                     const char* ext, size_t max, std::string& error) {
  const std::string hex = hash_hex(hash);
  if (hex.empty()) {
    error = fmt::format("\"{}\" is not a content hash zoneproof writes", hash);
    return std::nullopt;
  }
  pipeline::Fd d = subdir(state_dir, dir, false, error);
  if (!d) return std::nullopt;
  const std::string path = fmt::format("{}/{}/{}{}", state_dir, dir, hex, ext);
  auto bytes = pipeline::read_regular_file_at(d.get(), hex + ext, max, error);
  if (!bytes) {
    error = fmt::format("{}: {}", path, error.substr(error.find(": ") + 2));
    return std::nullopt;
  }
  if (bytes_hash(*bytes) != hash) {
    error = fmt::format("{}: its content does not match its hash {} (truncated or edited)", path, hash);
    return std::nullopt;
  }
  return bytes;
}

}  // namespace

std::string_view to_string(EntryStatus s) { return name_of(kStatusNames, s); }
std::string_view to_string(PreviousState s) { return name_of(kPreviousNames, s); }

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
  j["previous_state"] = std::string(to_string(e.previous_state));
  j["previous_errors"] = e.previous_errors;
  j["previous_hash"] = e.previous ? e.previous->hash() : e.previous_hash;
  j["previous_seq"] = e.previous_seq ? nlohmann::json(*e.previous_seq) : nlohmann::json();
  auto sources = [](const std::vector<HistoryEntry::PolicySource>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : list) out.push_back({{"path", p.path}, {"hash", p.hash}});
    return out;
  };
  j["policy_sources"] = sources(e.policy_sources);
  j["previous_target"] = e.previous_target;
  j["previous_forced"] = e.previous_forced;
  j["previous_policy_sources"] = sources(e.previous_policy_sources);
  j["migrated"] = e.migrated || e.legacy;
  return j;
}

HistoryEntry entry_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("schema") || (j.at("schema") != kSchema && j.at("schema") != kLegacySchema))
    throw std::runtime_error(fmt::format("not a zoneproof history entry (schema {})", kSchema));
  HistoryEntry e;
  e.legacy = j.at("schema") == kLegacySchema;
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
    e.status = named(kStatusNames, j.at("status").get<std::string>(), "status");
    e.note = j.at("note").get<std::string>();
    e.rules = j.at("rules").get<size_t>();
    e.set_elements = j.at("set_elements").get<size_t>();
    if (!j.at("confirm_deadline").is_null()) e.confirm_deadline = j.at("confirm_deadline").get<int64_t>();
    e.previous_state = named(kPreviousNames, j.at("previous_state").get<std::string>(), "previous_state");
    e.previous_errors = j.at("previous_errors").get<std::vector<std::string>>();
    if (e.legacy) {
      if (auto doc = optional_doc(j, "previous")) e.previous.emplace(*doc);
      if (auto doc = optional_doc(j, "applied")) e.applied.emplace(*doc);
      if (e.previous) e.previous_hash = e.previous->hash();
    } else {
      e.previous_hash = j.at("previous_hash").get<std::string>();
      if (!j.at("previous_seq").is_null()) e.previous_seq = j.at("previous_seq").get<uint64_t>();
      auto sources = [](const nlohmann::json& list) {
        std::vector<HistoryEntry::PolicySource> out;
        for (const auto& p : list) {
          out.push_back({p.at("path").get<std::string>(), p.at("hash").get<std::string>()});
          if (hash_hex(out.back().hash).empty()) throw std::runtime_error("a policy source without a valid hash");
        }
        return out;
      };
      e.policy_sources = sources(j.at("policy_sources"));
      e.previous_target = j.at("previous_target").get<std::string>();
      e.previous_forced = j.at("previous_forced").get<bool>();
      e.previous_policy_sources = sources(j.at("previous_policy_sources"));
      e.migrated = j.at("migrated").get<bool>();
    }
  } catch (const nlohmann::json::exception& ex) {
    throw std::runtime_error(ex.what());
  }
  if (e.previous_state == PreviousState::Saved && hash_hex(e.previous_hash).empty())
    throw std::runtime_error("previous_state is \"saved\" but previous_hash names no stored ruleset");
  if (e.action == "apply" && hash_hex(e.hash).empty())
    throw std::runtime_error("an apply without the hash of the ruleset it applied");
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

std::string bytes_hash(std::string_view bytes) {
  // FNV-1a: a content identifier for the history, not a security measure (the state
  // directory's permissions are: docs/deploy.md).
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("fnv1a64:{:016x}", h);
}

std::string content_hash(const nlohmann::json& document) { return bytes_hash(document.dump()); }

StoredRuleset::StoredRuleset(std::string text) : text_(std::move(text)), hash_(bytes_hash(text_)) {}

StoredRuleset::StoredRuleset(const nlohmann::json& document) : StoredRuleset(document.dump()) {}

const nlohmann::json& StoredRuleset::document() const {
  if (!document_) document_ = nlohmann::json::parse(text_);
  return *document_;
}

std::string History::entry_path(uint64_t seq) const { return dir_ + "/history/" + entry_name(seq); }

bool History::load(std::vector<HistoryEntry>& out, std::string& error, std::vector<std::string>* skipped) const {
  out.clear();
  auto missing = [&] { return error.size() > 15 && error.compare(error.size() - 15, 15, " does not exist") == 0; };
  pipeline::Fd top = pipeline::open_trusted_dir(dir_, pipeline::TrustPolicy{0}, error);
  pipeline::Fd hist;
  if (top) hist = subdir(dir_, "history", false, error);
  if (!hist) {
    if (missing()) {  // no history yet
      error.clear();
      return true;
    }
    error = "state directory: " + error;
    return false;
  }
  for (uint64_t seq : entry_numbers(hist.get())) {
    const std::string path = entry_path(seq);
    std::string why;
    auto text = pipeline::read_regular_file_at(hist.get(), entry_name(seq), kMaxEntryBytes, why);
    try {
      if (!text) throw std::runtime_error(why.substr(why.find(": ") + 2));
      HistoryEntry e = entry_from_json(nlohmann::json::parse(*text));
      if (e.seq != seq) throw std::runtime_error(fmt::format("it says it is entry #{}", e.seq));
      out.push_back(std::move(e));
    } catch (const std::exception& ex) {
      if (skipped) skipped->push_back(fmt::format("{}: {}", path, ex.what()));
    }
  }
  return true;
}

std::optional<StoredRuleset> History::load_ruleset(const std::string& hash, std::string& error) const {
  auto bytes = load_blob(dir_, "rulesets", hash, ".json", kMaxRulesetBytes, error);
  if (!bytes) return std::nullopt;
  // Checked to be JSON without building its document (SAX): a command that reads it parses it
  // once, where it needs it, and the look for the entry that loaded a table never does.
  if (nlohmann::json::accept(*bytes)) return StoredRuleset(std::move(*bytes));
  std::string why = "not JSON";  // the parser's own words, where they are (it throws when accept fails)
  try {
    [[maybe_unused]] const nlohmann::json unread = nlohmann::json::parse(*bytes);
  } catch (const std::exception& ex) {
    why = ex.what();
  }
  error = fmt::format("{}/rulesets/{}.json: {}", dir_, hash_hex(hash), why);
  return std::nullopt;
}

bool History::load_rulesets(HistoryEntry& e, std::string& error) const {
  if (e.previous_state == PreviousState::Saved && !e.previous) {
    e.previous = load_ruleset(e.previous_hash, error);
    if (!e.previous) return false;
  }
  if (e.action == "apply" && !e.applied) {
    e.applied = load_ruleset(e.hash, error);
    if (!e.applied) return false;
  }
  return true;
}

std::optional<std::string> History::load_policy_source(const std::string& hash, std::string& error) const {
  return load_blob(dir_, "policies", hash, ".yaml", kMaxPolicyBytes, error);
}

bool History::record_policy_sources(HistoryEntry& e, const std::vector<std::string>& files,
                                    std::string& error) const {
  e.policy_sources.clear();
  char cwd[PATH_MAX];
  const std::string here = getcwd(cwd, sizeof cwd) ? cwd : "/";
  for (const auto& file : files) {
    const std::string f = !file.empty() && file[0] == '/' ? file : here + "/" + file;
    auto text = pipeline::read_regular_file(f, kMaxPolicyBytes, error);
    if (!text) return false;
    const std::string hash = bytes_hash(*text);
    if (!store_blob(dir_, "policies", hash, ".yaml", *text, error)) return false;
    e.policy_sources.push_back({f, hash});
  }
  return true;
}

void History::link_previous(HistoryEntry& e, const std::vector<HistoryEntry>& entries) const {
  if (!e.previous) return;
  std::string error;
  ir::Ruleset live = backends::from_nft_json_text(e.previous->text(), error);
  if (!error.empty()) return;
  const ir::Ruleset want = backends::normalize_for_compare(live);
  // The stored ruleset `hash` (or `held` when already read), when it is the table in force. Read
  // from its text as it is parsed: the document of a 100,000-rule table would take gigabytes.
  auto same = [&](const std::optional<StoredRuleset>& held, const std::string& hash) -> std::optional<StoredRuleset> {
    // Its bytes, checked against the hash, not for JSON: reading them below is that check
    // (load_ruleset's accept would be a second pass over tens of megabytes).
    std::string err;
    std::optional<std::string> bytes;
    if (!held && !(bytes = load_blob(dir_, "rulesets", hash, ".json", kMaxRulesetBytes, err))) return std::nullopt;
    ir::Ruleset rs = backends::from_nft_json_text(held ? held->text() : *bytes, err);
    if (!err.empty()) return std::nullopt;
    rs.table.name = live.table.name;
    if (backends::normalize_for_compare(rs) != want) return std::nullopt;
    if (held) return held;
    return StoredRuleset(std::move(*bytes));
  };
  // Newest first: the table in force is most likely the one the newest entry loaded.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->action != "apply" || it->seq >= e.seq || it->table != e.table) continue;
    if (auto doc = same(it->applied, it->hash)) {
      e.previous = std::move(doc);
      e.previous_seq = it->seq;
      e.previous_target = it->target;
      e.previous_forced = it->forced;
      e.previous_policy_sources = it->policy_sources;
      return;
    }
  }
  // The entry that applied it may have been pruned while its table is still the one in force
  // (applies that were rolled back put it back each time): an entry whose own previous table is
  // the same carries its provenance, which is inherited.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->seq >= e.seq || it->table != e.table || it->previous_policy_sources.empty()) continue;
    if (auto doc = same(it->previous, it->previous_hash)) {
      e.previous = std::move(doc);
      e.previous_seq = it->previous_seq;
      e.previous_target = it->previous_target;
      e.previous_forced = it->previous_forced;
      e.previous_policy_sources = it->previous_policy_sources;
      return;
    }
  }
}

bool History::migrate(std::vector<HistoryEntry>& entries, std::string& error) const {
  for (auto& e : entries) {
    if (!e.legacy) continue;
    if (!e.previous_seq) link_previous(e, entries);
    if (!save(e, error)) return false;
    e.legacy = false;
    e.migrated = true;
  }
  return true;
}

uint64_t History::next_seq() const {
  std::string error;
  pipeline::Fd hist = subdir(dir_, "history", false, error);
  if (!hist) return 1;
  auto seqs = entry_numbers(hist.get());
  return seqs.empty() ? 1 : seqs.back() + 1;
}

bool History::save(const HistoryEntry& e, std::string& error) const {
  // Each ruleset as its text, under the hash of that text (content-addressed: an apply saves its
  // entry two or three times, and a file already there is not written again).
  for (const auto* doc : {&e.previous, &e.applied})
    if (*doc && !store_blob(dir_, "rulesets", (*doc)->hash(), ".json", (*doc)->text(), error)) return false;
  pipeline::Fd hist = subdir(dir_, "history", true, error);
  if (!hist) return false;
  if (!pipeline::write_file_atomically_at(hist.get(), entry_name(e.seq), entry_json(e).dump(1) + "\n", 0600, error)) {
    error = fmt::format("cannot write {}: {}", entry_path(e.seq), error.substr(error.find(": ") + 2));
    return false;
  }
  return true;
}

void History::prune(size_t keep) const {
  std::string error;
  pipeline::Fd hist = subdir(dir_, "history", false, error);
  if (!hist) return;
  auto seqs = entry_numbers(hist.get());
  auto pending = load_pending(dir_);
  for (size_t i = 0; i + keep < seqs.size(); ++i)
    if (!pending || pending->seq != seqs[i]) unlinkat(hist.get(), entry_name(seqs[i]).c_str(), 0);
  // Then every stored file no remaining entry names. An entry that cannot be read keeps
  // everything: what it names is unknown.
  std::vector<HistoryEntry> entries;
  std::vector<std::string> skipped;
  if (!load(entries, error, &skipped) || !skipped.empty()) return;
  std::vector<std::string> rulesets, policies;
  for (const auto& e : entries) {
    rulesets.push_back(hash_hex(e.hash) + ".json");
    rulesets.push_back(hash_hex(e.previous_hash) + ".json");
    for (const auto& p : e.policy_sources) policies.push_back(hash_hex(p.hash) + ".yaml");
    for (const auto& p : e.previous_policy_sources) policies.push_back(hash_hex(p.hash) + ".yaml");
  }
  auto sweep = [&](const char* dir, const std::vector<std::string>& keep_names, const char* ext) {
    pipeline::Fd d = subdir(dir_, dir, false, error);
    if (!d) return;
    for (const auto& name : names_in(d.get())) {
      const bool ours = name.size() == 16 + std::strlen(ext) && name.compare(16, std::string::npos, ext) == 0;
      if (ours && std::find(keep_names.begin(), keep_names.end(), name) == keep_names.end())
        unlinkat(d.get(), name.c_str(), 0);
    }
  };
  sweep("rulesets", rulesets, ".json");
  sweep("policies", policies, ".yaml");
}

bool write_atomically(const std::string& path, const std::string& text, std::string& error) {
  return pipeline::write_file_atomically(path, text, 0600, error);
}

std::optional<Pending> load_pending(const std::string& state_dir) {
  std::string error;
  pipeline::Fd dir = pipeline::open_trusted_dir(state_dir, pipeline::TrustPolicy{0}, error);
  if (!dir) return std::nullopt;
  auto text = pipeline::read_regular_file_at(dir.get(), "pending.json", kMaxSmallBytes, error);
  if (!text) return std::nullopt;
  try {
    auto j = nlohmann::json::parse(*text);
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
  pipeline::Fd dir = pipeline::open_trusted_dir(state_dir, pipeline::TrustPolicy{0}, error);
  if (!dir) return false;
  if (!pipeline::write_file_atomically_at(dir.get(), "pending.json", j.dump(1) + "\n", 0600, error)) {
    error = fmt::format("cannot write {}/pending.json: {}", state_dir, error.substr(error.find(": ") + 2));
    return false;
  }
  return true;
}

void remove_pending(const std::string& state_dir) {
  std::string error;
  pipeline::Fd dir = pipeline::open_trusted_dir(state_dir, pipeline::TrustPolicy{0}, error);
  if (dir) unlinkat(dir.get(), "pending.json", 0);
}

}  // namespace zp::deploy
