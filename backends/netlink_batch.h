// SPDX-License-Identifier: GPL-2.0-or-later
// A netlink batch being built: nftnl_batch pages (one sendmsg sends them all), a sequence number
// per message, and what object each message creates, so a kernel error reply (which only carries
// the sequence number) can be reported as "rule zp:17 in chain zp_fwd" instead of "message 1234".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backends/netlink.h"
#include "backends/netlink_socket.h"

struct nlmsghdr;
struct nftnl_batch;

namespace zp::backends::nl {

// The object a batch message is about.
struct BatchObject {
  std::string description;  // "rule zp:17 in chain zp_fwd", "elements of set zp_src", ...
  uint32_t rule_id = 0;
};

class Batch {
 public:
  explicit Batch(uint32_t first_seq);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // NFNL_MSG_BATCH_BEGIN, with NFNL_BATCH_GENID when a generation is expected.
  void begin(std::optional<uint32_t> expected_generation);
  // Starts an nf_tables message (family inet) in the batch buffer. The caller appends attributes
  // to the returned header and then calls finish().
  nlmsghdr* start(uint16_t nft_msg_type, uint16_t flags, BatchObject object);
  void finish();
  // NFNL_MSG_BATCH_END: the commit. A dry run leaves it out, so the kernel validates and aborts.
  void end();

  nftnl_batch* get() { return batch_; }
  size_t messages() const { return objects_.size(); }
  size_t bytes() const;

  // Kernel error replies, each tied to the object of the message it answers.
  std::vector<NetlinkError> explain(const std::vector<KernelError>& errors,
                                    std::optional<uint32_t> expected_generation) const;

 private:
  nftnl_batch* batch_;
  uint32_t first_seq_;
  uint32_t seq_;
  std::vector<BatchObject> objects_;  // indexed by seq - first_seq_
};

}  // namespace zp::backends::nl
