// SPDX-License-Identifier: GPL-2.0-or-later
// Monitoring against the real kernel, in private network namespaces: the log lines real dropped
// and accepted packets produce, parsed with the pattern docs/monitoring.md gives, and their rate
// limit; the rules' named counters after real packets, kept across a re-apply; `stats` and
// `audit` reading them.
#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <set>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

// The host's network: a veth link holding its addresses, with static neighbours so its packets
// to the lab leave through the output hook at once.
void host_network() {
  for (const char* cmd : {"ip link add d0 type veth peer name d1", "ip addr add 10.9.0.1/24 dev d0",
                          "ip addr add fd00:9::1/64 dev d0 nodad", "ip link set d0 up", "ip link set d1 up",
                          "ip neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev d0",
                          "ip neigh add fd00:9::2 lladdr 02:00:00:00:00:02 dev d0"}) {
    auto r = run_shell(cmd);
    ASSERT_EQ(r.status, 0) << cmd << ": " << r.output;
  }
}

// Sends `n` UDP datagrams from the host to `addr` port `port` (a refused send is expected).
void send_udp(const std::string& addr, int port, int n) {
  const std::string dev = "/dev/udp/" + addr;
  // bash, not sh: /dev/udp is bash's.
  run_shell("bash -c 'for i in $(seq " + std::to_string(n) + "); do echo x 2>/dev/null > " + dev + "/" +
            std::to_string(port) + "; done'");
}

// The kernel log from now on: /dev/kmsg read from its end.
class KernelLog {
 public:
  KernelLog() {
    fd_ = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ >= 0) lseek(fd_, 0, SEEK_END);
  }
  ~KernelLog() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  // The messages logged since, those starting with "zp " only.
  std::vector<std::string> zp_lines() {
    std::vector<std::string> out;
    char buf[8192];
    for (;;) {
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n < 0 && errno == EPIPE) continue;  // a record was overwritten: go on
      if (n <= 0) break;
      std::string rec(buf, static_cast<size_t>(n));
      size_t semi = rec.find(';');
      if (semi == std::string::npos) continue;
      std::string msg = rec.substr(semi + 1, rec.find('\n') - semi - 1);
      if (msg.rfind("zp ", 0) == 0) out.push_back(msg);
    }
    return out;
  }

 private:
  int fd_ = -1;
};

// The kernel logs from namespaces other than the first only with this switch on; the tests turn
// it on for their duration and put it back.
class LogAllNamespaces {
 public:
  LogAllNamespaces() {
    std::ifstream in(kPath);
    std::getline(in, old_);
    std::ofstream(kPath) << "1\n";
  }
  ~LogAllNamespaces() { std::ofstream(kPath) << old_ << "\n"; }

 private:
  static constexpr const char* kPath = "/proc/sys/net/netfilter/nf_log_all_netns";
  std::string old_;
};

// A listener of one NFLOG group (nfnetlink_log), as ulogd2 is: it binds the group, then reads
// the prefix of each packet the kernel logs to it.
class NflogGroup {
 public:
  explicit NflogGroup(uint16_t group) : nl_(mnl_socket_open(NETLINK_NETFILTER)) {
    if (!nl_ || mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) return;
    timeval tv{2, 0};
    setsockopt(mnl_socket_get_fd(nl_), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = AF_UNSPEC;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = htons(group);
    nfulnl_msg_config_cmd cmd{NFULNL_CFG_CMD_BIND};
    mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof cmd, &cmd);
    // One message per packet: by default the kernel holds up to 100 for up to a second.
    mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));
    if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) return;
    ssize_t n = mnl_socket_recvfrom(nl_, buf, sizeof buf);  // the ack
    bound_ = n > 0 && mnl_cb_run(buf, static_cast<size_t>(n), 0, 0, nullptr, nullptr) >= 0;
  }
  ~NflogGroup() {
    if (nl_) mnl_socket_close(nl_);
  }
  bool bound() const { return bound_; }
  // The prefixes of the packets logged until two seconds pass with none.
  std::vector<std::string> prefixes() {
    std::vector<std::string> out;
    char buf[MNL_SOCKET_BUFFER_SIZE];
    for (;;) {
      ssize_t n = mnl_socket_recvfrom(nl_, buf, sizeof buf);
      if (n <= 0) break;
      mnl_cb_run(buf, static_cast<size_t>(n), 0, 0, &NflogGroup::on_packet, &out);
    }
    return out;
  }

 private:
  static int on_packet(const nlmsghdr* nlh, void* data) {
    auto* out = static_cast<std::vector<std::string>*>(data);
    if ((nlh->nlmsg_type & 0xff) != NFULNL_MSG_PACKET) return MNL_CB_OK;
    // (mnl_attr_for_each is C: its void* arithmetic does not compile as C++.)
    const auto* payload = static_cast<const char*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
    const auto* end = reinterpret_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    for (auto* attr = reinterpret_cast<const nlattr*>(payload);
         mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr)));
         attr = mnl_attr_next(attr))
      if (mnl_attr_get_type(attr) == NFULA_PREFIX) out->push_back(mnl_attr_get_str(attr));
    return MNL_CB_OK;
  }
  mnl_socket* nl_;
  bool bound_ = false;
};

// The pattern docs/monitoring.md gives for zoneproof's log prefixes.
const std::regex kPrefix(R"(^zp (accept|drop|reject) (\S+)>(\S+) (.+?): )");

TEST(DeployMonitor, LogLinesNameTheZonePairAndTheRuleAndAreRateLimited) {
  TempDir state;
  LogAllNamespaces log_all;
  in_fresh_netns([&] {
    host_network();
    auto r = zp_state("apply", deploy_policy("host-monitor.yaml") + " --target h1", state.path());
    ASSERT_EQ(r.status, 0) << r.output;
    KernelLog klog;
    ASSERT_TRUE(klog.ok());
    send_udp("10.9.0.2", 5000, 2);   // accepted and logged by the rule
    send_udp("10.9.0.2", 6000, 20);  // dropped by the default: logged 3 times (burst 3, 1/minute)
    send_udp("fd00:9::2", 6000, 1);  // IPv6: the limit is spent
    std::map<std::string, int> seen;
    for (const auto& line : klog.zp_lines()) {
      std::smatch m;
      ASSERT_TRUE(std::regex_search(line, m, kPrefix)) << line;
      seen[m[1].str() + " " + m[2].str() + ">" + m[3].str() + " " + m[4].str()]++;
      EXPECT_NE(line.find("DST=10.9.0.2") , std::string::npos) << line;
    }
    EXPECT_EQ(seen["accept h1>lab to-lab-5000"], 2);
    EXPECT_EQ(seen["drop h1>lab default"], 3);
    EXPECT_EQ(seen.size(), 2u);
  });
}

TEST(DeployMonitor, LogGroupSendsTheLinesToNflog) {
  TempDir state;
  in_fresh_netns([&] {
    host_network();
    auto r = zp_state("apply", deploy_policy("host-nflog.yaml") + " --target h1", state.path());
    ASSERT_EQ(r.status, 0) << r.output;
    NflogGroup group(7);
    ASSERT_TRUE(group.bound()) << "cannot bind NFLOG group 7";
    send_udp("10.9.0.2", 5000, 1);
    send_udp("fd00:9::2", 6000, 1);
    auto prefixes = group.prefixes();
    EXPECT_EQ(prefixes, (std::vector<std::string>{"zp accept h1>lab to-lab-5000: ", "zp drop h1>lab default: "}));
  });
}

// Packets of `rule` in `stats --live --format json` (-1 when the rule is not listed).
long long packets_of(const nlohmann::json& stats, const std::string& rule) {
  for (const auto& r : stats["rules"])
    if (r["rule"] == rule) return r["packets"].get<long long>();
  return -1;
}

nlohmann::json live_stats(const std::string& policy) {
  auto r = zoneproof("stats " + policy + " --target h1 --live --format json");
  EXPECT_EQ(r.status, 0) << r.output;
  return nlohmann::json::parse(r.output, nullptr, false);
}

TEST(DeployMonitor, CountersCountRealPacketsAndSurviveAReapply) {
  TempDir state;
  in_fresh_netns([&] {
    host_network();
    const std::string policy = deploy_policy("host-monitor.yaml");
    ASSERT_EQ(zp_state("apply", policy + " --target h1", state.path()).status, 0);
    send_udp("10.9.0.2", 5000, 3);
    send_udp("fd00:9::2", 5000, 2);
    send_udp("10.9.0.2", 6000, 4);  // the default: counted by no rule
    auto before = live_stats(policy);
    EXPECT_EQ(packets_of(before, "to-lab-5000"), 5) << before.dump(2);
    EXPECT_EQ(packets_of(before, "to-lab-5001"), 0) << before.dump(2);
    EXPECT_EQ(before["rules"][0]["ownership"]["owner"], "lab-team");
    // What the kernel does: a re-apply replaces the table in one batch, and the new counters
    // start from the old ones' values.
    ASSERT_EQ(zp_state("apply", policy + " --target h1", state.path()).status, 0);
    auto after = live_stats(policy);
    EXPECT_EQ(packets_of(after, "to-lab-5000"), 5) << after.dump(2);
    send_udp("10.9.0.2", 5001, 1);
    EXPECT_EQ(packets_of(live_stats(policy), "to-lab-5001"), 1);
    // The Prometheus exposition names the rule and its owner.
    auto prom = zoneproof("stats " + policy + " --target h1 --live --format prometheus");
    ASSERT_EQ(prom.status, 0) << prom.output;
    EXPECT_NE(prom.output.find("zoneproof_rule_packets_total{target=\"h1\",rule=\"to-lab-5000\",action=\"allow\","
                               "owner=\"lab-team\"} 5\n"),
              std::string::npos)
        << prom.output;
    // The zone pair's count started again at the re-apply (docs/monitoring.md): one packet since,
    // and it reached the allow rules whatever its port.
    EXPECT_NE(prom.output.find("zoneproof_zone_pair_packets_total{target=\"h1\",hook=\"output\",from=\"h1\","
                               "to=\"lab\",stage=\"allow\"} 1\n"),
              std::string::npos)
        << prom.output;
    // After a removal the counters are gone with the table.
    ASSERT_EQ(zp_state("remove", "", state.path()).status, 0);
    auto gone = live_stats(policy);
    EXPECT_EQ(gone["rules"][0]["counted"], false) << gone.dump(2);
  });
}

TEST(DeployMonitor, AuditFindsTheRuleNothingUsedSinceTheSnapshot) {
  TempDir state;
  in_fresh_netns([&] {
    host_network();
    const std::string policy = deploy_policy("host-monitor.yaml");
    ASSERT_EQ(zp_state("apply", policy + " --target h1", state.path()).status, 0);
    send_udp("10.9.0.2", 5001, 2);  // used before the snapshot only
    const std::string snapshot = state.path() + "/before.json";
    auto snap = zoneproof("stats " + policy + " --target h1 --live --format json -o " + snapshot);
    ASSERT_EQ(snap.status, 0) << snap.output;
    send_udp("10.9.0.2", 5000, 2);  // used after it
    auto a = zoneproof("audit " + policy + " --target h1 --live --since " + snapshot +
                       " --today 2026-12-03 --format json");
    EXPECT_EQ(a.status, 1) << a.output;
    auto j = nlohmann::json::parse(a.output);
    std::set<std::string> unused, review;
    for (const auto& f : j["findings"]) {
      if (f["code"] == "ZP5001") unused.insert(f["rule"].get<std::string>());
      if (f["code"] == "ZP5003") review.insert(f["rule"].get<std::string>());
    }
    EXPECT_EQ(unused, std::set<std::string>{"to-lab-5001"}) << a.output;
    EXPECT_EQ(review, (std::set<std::string>{"to-lab-5000", "to-lab-5001"})) << a.output;
    // The auditor's page carries the same finding, with the rule's owner.
    auto page = zoneproof("report " + policy + " --audit --target h1 --live --since " + snapshot +
                          " --today 2026-12-03 --format markdown -o -");
    ASSERT_EQ(page.status, 0) << page.output;
    EXPECT_NE(page.output.find("| ZP5001 | `" + policy + ":9:5` | rule 'to-lab-5001' (allow) decided no packet since "
                               "the snapshot | lab-team | LAB-7 |"),
              std::string::npos)
        << page.output;
    // Without the snapshot, both rules saw packets.
    auto all = zoneproof("audit " + policy + " --target h1 --live --today 2026-12-03 --format json");
    EXPECT_EQ(all.output.find("ZP5001"), std::string::npos) << all.output;
  });
}

// The unused-rule findings of `audit ... --format json`.
std::set<std::string> unused_rules(const std::string& json) {
  std::set<std::string> out;
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded()) return {"(not json)"};
  for (const auto& f : j["findings"])
    if (f["code"] == "ZP5001") out.insert(f["rule"].get<std::string>());
  return out;
}

TEST(DeployMonitor, EachApplyKeepsASnapshotThatAuditCanStartFrom) {
  TempDir state;
  in_fresh_netns([&] {
    host_network();
    const std::string policy = deploy_policy("host-monitor.yaml");
    const std::string audit = "audit " + policy + " --target h1 --live --since last-apply --state-dir " +
                              state.path() + " --format json";
    auto none = zoneproof(audit);
    EXPECT_EQ(none.status, 2) << none.output;
    EXPECT_NE(none.output.find("one is kept at each apply that succeeds"), std::string::npos) << none.output;
    ASSERT_EQ(zp_state("apply", policy + " --target h1", state.path()).status, 0);
    send_udp("10.9.0.2", 5000, 2);
    auto first = zoneproof(audit);
    EXPECT_EQ(unused_rules(first.output), std::set<std::string>{"to-lab-5001"});
    // The report names the snapshot it counted from, not the word that chose it.
    EXPECT_NE(first.output.find("\"since\": \"" + state.path() + "/counters/00000001.json\""), std::string::npos)
        << first.output;
    // A second apply keeps the counts in the table, and a new snapshot: nothing since.
    ASSERT_EQ(zp_state("apply", policy + " --target h1", state.path()).status, 0);
    EXPECT_EQ(unused_rules(zoneproof(audit).output), (std::set<std::string>{"to-lab-5000", "to-lab-5001"}));
    std::ifstream snapshot(state.path() + "/counters/00000002.json");
    EXPECT_TRUE(snapshot.good()) << "the second apply's snapshot";
  });
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The regions of `zoneproof diff BEFORE AFTER`, which must find a change (exit 1).
std::vector<nlohmann::json> diff_regions(const std::string& before, const std::string& after) {
  auto d = zoneproof("diff " + before + " " + after + " --format json");
  EXPECT_EQ(d.status, 1) << d.output;
  auto dj = nlohmann::json::parse(d.output, nullptr, false);
  std::vector<nlohmann::json> out;
  if (dj.is_discarded()) {
    ADD_FAILURE() << d.output;
    return out;
  }
  for (const auto& t : dj["targets"])
    for (const auto& h : t["hooks"])
      for (const auto& r : h["regions"]) out.push_back(r);
  return out;
}

TEST(DeployMonitor, AuditProposesToDropTheServiceNoPacketUsedAndDiffShowsOnlyThat) {
  TempDir state;
  in_fresh_netns([&] {
    host_network();
    const std::string policy = deploy_policy("host-audit.yaml");
    ASSERT_EQ(zp_state("apply", policy + " --target h1", state.path()).status, 0);
    send_udp("10.9.0.2", 5002, 2);
    send_udp("fd00:9::2", 5004, 1);
    const std::string proposal = state.path() + "/tightened.yaml";
    auto a = zoneproof("audit " + policy + " --target h1 --live --today 2026-12-03 --format json --propose " + proposal);
    EXPECT_EQ(a.status, 1) << a.output;
    EXPECT_NE(a.output.find("`zoneproof diff " + policy + " " + proposal + "` shows the traffic it blocks"),
              std::string::npos)
        << a.output;
    // The proposal's note goes to standard error, before the report.
    auto j = nlohmann::json::parse(a.output.substr(a.output.find("{\n")), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << a.output;
    ASSERT_EQ(j["findings"].size(), 1u) << a.output;
    EXPECT_EQ(j["findings"][0]["code"], "ZP5004");
    EXPECT_EQ(j["findings"][0]["service"], "udp/5003");
    // The proposal keeps the file as written but for the one item.
    const std::string text = file_text(proposal);
    EXPECT_NE(text.find("    allow: [udp/5002, udp/5004]  # 5003 is never used\n"), std::string::npos) << text;
    // And the diff proves that the change blocks udp 5003 and nothing else.
    auto regions = diff_regions(policy, proposal);
    for (const auto& r : regions) {
      EXPECT_EQ(r["change"], "newly-blocked") << r.dump();
      EXPECT_EQ(r["witness"]["dport"], 5003) << r.dump();
    }
    EXPECT_FALSE(regions.empty());
  });
}

// A rule to two zones, used toward one: the counters of the maps that choose the destination zone
// prove the other saw nothing, the proposal drops it from the rule, and the diff shows that this
// blocks the host's traffic to it and nothing else.
TEST(DeployMonitor, AuditFindsTheZoneOfARuleNoPacketWentTo) {
  TempDir state;
  in_fresh_netns([&] {
    host_network();
    const std::string policy = deploy_policy("host-zones.yaml");
    ASSERT_EQ(zp_state("apply", policy + " --target h1", state.path()).status, 0);
    send_udp("10.9.0.2", 5005, 3);
    send_udp("fd00:9::2", 5005, 1);
    // The snapshot `stats` writes carries the zone pairs' counts.
    auto stats = zoneproof("stats " + policy + " --target h1 --live --format json");
    ASSERT_EQ(stats.status, 0) << stats.output;
    uint64_t to_lab = 0, to_lab_b = 99;
    const auto snapshot = nlohmann::json::parse(stats.output);
    for (const auto& p : snapshot["pairs"]) {
      if (p["hook"] != "output" || p["from"] != "h1" || p["stage"] != "allow") continue;
      if (p["to"] == "lab") to_lab = p["packets"];
      if (p["to"] == "lab-b") to_lab_b = p["packets"];
    }
    EXPECT_EQ(to_lab, 4u) << stats.output;
    EXPECT_EQ(to_lab_b, 0u) << stats.output;
    const std::string proposal = state.path() + "/tightened.yaml";
    auto a = zoneproof("audit " + policy + " --target h1 --live --since last-apply --state-dir " + state.path() +
                       " --today 2026-12-03 --format json --propose " + proposal);
    EXPECT_EQ(a.status, 1) << a.output;
    auto j = nlohmann::json::parse(a.output.substr(a.output.find("{\n")), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << a.output;
    ASSERT_EQ(j["findings"].size(), 1u) << a.output;
    EXPECT_EQ(j["findings"][0]["code"], "ZP5005");
    EXPECT_EQ(j["findings"][0]["zone"], "lab-b");
    EXPECT_EQ(j["findings"][0]["message"],
              "zone 'lab-b' of rule 'to-labs' (allow) received no packet since the snapshot, while the rule saw "
              "traffic");
    const std::string text = file_text(proposal);
    EXPECT_NE(text.find("    to: [lab]  # lab-b is never sent to\n"), std::string::npos) << text;
    auto regions = diff_regions(policy, proposal);
    for (const auto& r : regions) {
      EXPECT_EQ(r["change"], "newly-blocked") << r.dump();
      EXPECT_EQ(r["to"], "lab-b") << r.dump();
    }
    EXPECT_FALSE(regions.empty());
    // Once a packet went to lab-b, the zone is used.
    send_udp("10.9.0.130", 5005, 1);
    auto after = zoneproof("audit " + policy + " --target h1 --live --today 2026-12-03 --format json");
    EXPECT_EQ(after.status, 0) << after.output;
    // A second apply creates the table again: the zone pairs' counters start from zero, the
    // rule's counter is carried. Against the first snapshot, the pairs cannot be subtracted; they
    // speak for the new table, and lab-b is idle again beside lab.
    ASSERT_EQ(zp_state("apply", policy + " --target h1", state.path()).status, 0);
    send_udp("10.9.0.2", 5005, 1);
    auto reloaded = zoneproof("audit " + policy + " --target h1 --live --since " + state.path() +
                              "/counters/00000001.json --today 2026-12-03 --format json");
    EXPECT_EQ(reloaded.status, 1) << reloaded.output;
    EXPECT_NE(reloaded.output.find("zone 'lab-b' of rule 'to-labs' (allow) received no packet since the table was "
                                   "loaded again, after the snapshot"),
              std::string::npos)
        << reloaded.output;
  });
}

}  // namespace
}  // namespace zp::testing
