// SPDX-License-Identifier: GPL-2.0-or-later
// The netlink socket to nf_tables: one batch sent in a single sendmsg (the kernel only treats
// BATCH_BEGIN ... BATCH_END as one transaction when it arrives in one message), the kernel's error
// replies collected per sequence number, dumps, and the ruleset generation id.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct mnl_socket;
struct nlmsghdr;
struct nftnl_batch;

namespace zp::backends::nl {

// An error reply from the kernel to one message of a batch.
struct KernelError {
  uint32_t seq = 0;
  int error = 0;          // positive errno
  std::string detail;     // the extended ack message, when the kernel gave one
};

class Socket {
 public:
  // Opens and binds a NETLINK_NETFILTER socket. Throws BackendError when that fails.
  Socket();
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Sends the whole batch in one sendmsg and returns every error the kernel answered with.
  // Messages carry no NLM_F_ACK (as in nft), so a successful batch produces no reply at all; the
  // kernel processes the batch inside sendmsg, so every reply is queued when it returns.
  std::vector<KernelError> send_batch(nftnl_batch* batch, size_t messages);

  // Sends a request and feeds each reply message to `on_message` until the dump ends. Returns 0 or
  // a positive errno (the kernel's answer, or EINTR when a reply came from another generation than
  // `generation`, so the caller can retry).
  int dump(const nlmsghdr* request, uint32_t generation,
           const std::function<void(const nlmsghdr*)>& on_message);

  // NFT_MSG_GETGEN: the current ruleset generation.
  uint32_t generation();

  uint32_t next_seq() { return seq_++; }

 private:
  mnl_socket* nl_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 0;
};

// How often a reading is started again because the ruleset changed under it before giving up.
inline constexpr int kConsistentAttempts = 10;

// Runs `read` with the current generation until it answers other than EINTR (a dump reply came
// from another generation, or the caller saw a torn dump), at most kConsistentAttempts times.
// Returns `read`'s last answer: 0, a positive errno, or EINTR when the ruleset never held still.
int read_consistent(Socket& socket, const std::function<int(uint32_t generation)>& read);

// An attribute libnftnl returns as NULL when the kernel did not send it, as an empty string.
inline std::string text(const char* p) { return p ? p : ""; }

}  // namespace zp::backends::nl
