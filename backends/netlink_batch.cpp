// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/netlink_batch.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <sys/uio.h>

#include <fmt/core.h>

namespace zp::backends::nl {

namespace {

// As nft: 2 MiB pages, and a new page whenever less than one maximal message (64 KiB plus a page)
// is left, so no message ever straddles two pages.
constexpr uint32_t kPageSize = 2 * 1024 * 1024;

uint32_t max_message_size() { return 65535 + static_cast<uint32_t>(getpagesize()); }

}  // namespace

Batch::Batch(uint32_t first_seq)
    : batch_(nftnl_batch_alloc(kPageSize, max_message_size())),
      first_seq_(first_seq),
      seq_(first_seq) {
  if (!batch_) throw std::bad_alloc();
}

Batch::~Batch() { nftnl_batch_free(batch_); }

void Batch::begin(std::optional<uint32_t> expected_generation) {
  auto* nlh = mnl_nlmsg_put_header(nftnl_batch_buffer(batch_));
  nlh->nlmsg_type = NFNL_MSG_BATCH_BEGIN;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq_++;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_UNSPEC;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
  if (expected_generation) mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(*expected_generation));
  objects_.push_back({"the batch", 0});
  finish();
}

nlmsghdr* Batch::start(uint16_t nft_msg_type, uint16_t flags, BatchObject object) {
  objects_.push_back(std::move(object));
  return nftnl_nlmsg_build_hdr(static_cast<char*>(nftnl_batch_buffer(batch_)), nft_msg_type,
                               NFPROTO_INET, flags, seq_++);
}

void Batch::finish() {
  if (nftnl_batch_update(batch_) < 0) throw std::bad_alloc();
}

void Batch::end() {
  auto* nlh = mnl_nlmsg_put_header(nftnl_batch_buffer(batch_));
  nlh->nlmsg_type = NFNL_MSG_BATCH_END;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq_++;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_UNSPEC;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
  objects_.push_back({"the batch end", 0});
  finish();
}

size_t Batch::bytes() const {
  std::vector<iovec> iov(static_cast<size_t>(nftnl_batch_iovec_len(batch_)));
  nftnl_batch_iovec(batch_, iov.data(), static_cast<uint32_t>(iov.size()));
  size_t n = 0;
  for (const auto& v : iov) n += v.iov_len;
  return n;
}

std::vector<NetlinkError> Batch::explain(const std::vector<KernelError>& errors,
                                         std::optional<uint32_t> expected_generation) const {
  std::vector<NetlinkError> out;
  for (const auto& e : errors) {
    NetlinkError ne;
    ne.error = e.error;
    std::string reason = strerror(e.error);
    if (!e.detail.empty()) reason += fmt::format(" ({})", e.detail);
    const size_t index = e.seq - first_seq_;
    if (e.seq == 0 || index >= objects_.size()) {
      ne.object = "the batch";
      ne.message = fmt::format("{}: {}", e.detail.empty() ? "netlink failure" : e.detail,
                               strerror(e.error));
    } else if (index == 0 && e.error == ERESTART && expected_generation) {
      ne.object = "the batch";
      ne.message = fmt::format(
          "the ruleset changed after generation {} was read (another tool modified it); "
          "nothing was applied",
          *expected_generation);
    } else if (index == 0) {
      ne.object = "the batch";
      ne.message = fmt::format("kernel refused to commit the batch: {}", reason);
    } else {
      ne.object = objects_[index].description;
      ne.rule_id = objects_[index].rule_id;
      ne.message = fmt::format("kernel rejected {}: {}", ne.object, reason);
    }
    out.push_back(std::move(ne));
  }
  return out;
}

}  // namespace zp::backends::nl
