// The deploy history under the state directory (docs/deploy.md):
//
//   STATE/lock                 the flock every deploy command holds (deploy_lock.h)
//   STATE/history/NNNNNNNN.json one file per apply or remove, numbered in order
//   STATE/pending.json         the apply waiting for `zoneproof confirm`, and its timer
//   STATE/timer.log            what detached rollback timers did
//
// Each entry records one change of zoneproof's table: the table as it was before (as nft JSON,
// read back from the kernel; null when the table did not exist) and what was loaded (null for a
// remove). Rolling back undoes the newest entry not yet undone by loading its `previous`; the
// boot-time restore loads the `applied` ruleset of the newest confirmed entry. Files are written
// to a temporary name and renamed, so a crash leaves either the old or the new file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zp::cli {

enum class EntryStatus : uint8_t {
  Applying,     // written before the kernel is touched; replaced when the apply ends
  Pending,      // applied with --confirm, waiting for `zoneproof confirm`
  Confirmed,    // in force (or was, until a later entry)
  RolledBack,   // undone by rollback, the confirm timer, a failed proof, or a restart
  Failed,       // the kernel refused it: nothing changed
  Interrupted,  // the apply died between writing the entry and finishing (kill, power loss)
};
std::string_view to_string(EntryStatus s);

struct HistoryEntry {
  uint64_t seq = 0;
  std::string action = "apply";  // "apply" or "remove"
  int64_t time = 0;              // unix seconds
  std::string policy;            // absolute path of the policy file ("" for remove)
  std::string target;
  std::string table = "zoneproof";
  std::string hash;              // of the applied nft JSON ("" for remove)
  bool forced = false;           // verification failures overridden with --force
  bool lockout_allowed = false;  // a broken manage intent overridden with --allow-lockout
  EntryStatus status = EntryStatus::Applying;
  std::string note;              // why the status is what it is
  // "none": the table did not exist; "saved": `previous` holds it; "unreadable": it held
  // rules zoneproof cannot read (listed in previous_errors) and could not be saved.
  std::string previous_state = "none";
  std::vector<std::string> previous_errors;
  std::optional<nlohmann::json> previous;
  std::optional<nlohmann::json> applied;
  size_t rules = 0;
  size_t set_elements = 0;
  std::optional<int64_t> confirm_deadline;  // unix seconds, for --confirm
};

nlohmann::json entry_json(const HistoryEntry& e);
// Throws std::runtime_error naming the problem for a malformed entry.
HistoryEntry entry_from_json(const nlohmann::json& j);

// "#7 apply 2024-05-01T10:00:00Z examples/x.yaml --target gw (confirmed)".
std::string entry_summary(const HistoryEntry& e);
std::string utc_time(int64_t unix_seconds);
// A stable content hash of an nft JSON document ("fnv1a64:0123456789abcdef").
std::string content_hash(const nlohmann::json& document);

inline constexpr size_t kHistoryKeep = 10;

class History {
 public:
  explicit History(std::string state_dir) : dir_(std::move(state_dir)) {}

  // Every entry, oldest first. False (with `error`) when an entry cannot be read.
  bool load(std::vector<HistoryEntry>& out, std::string& error) const;
  // The number the next entry gets.
  uint64_t next_seq() const;
  // Writes the entry atomically (temporary file, fsync, rename). False with `error`.
  bool save(const HistoryEntry& e, std::string& error) const;
  // Deletes the oldest entries beyond `keep` (never a pending one).
  void prune(size_t keep) const;

  const std::string& dir() const { return dir_; }
  std::string entry_path(uint64_t seq) const;

 private:
  std::string dir_;
};

// The apply waiting for confirmation.
struct Pending {
  uint64_t seq = 0;
  int64_t deadline = 0;  // unix seconds
  int timer_pid = 0;     // the detached rollback timer
};

std::optional<Pending> load_pending(const std::string& state_dir);
bool save_pending(const std::string& state_dir, const Pending& p, std::string& error);
void remove_pending(const std::string& state_dir);

// Writes `text` to `path` through a temporary file, fsync and rename. False with `error`.
bool write_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace zp::cli
