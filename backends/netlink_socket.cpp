// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/netlink_socket.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/core.h>

#include "backends/nft_names.h"

namespace zp::backends::nl {

namespace {

// Large enough for any single netlink message the kernel sends back: an error reply echoes the
// offending message, and an element message may be close to 64 KiB.
constexpr size_t kReceiveBuffer = 256 * 1024;

void raise_buffer(int fd, int force_opt, int opt, int bytes) {
  int current = 0;
  socklen_t len = sizeof current;
  getsockopt(fd, SOL_SOCKET, opt, &current, &len);
  if (current >= bytes) return;
  // The FORCE variant ignores net.core.{w,r}mem_max and needs CAP_NET_ADMIN, which applying a
  // ruleset needs anyway; fall back to the plain option otherwise.
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) < 0)
    setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

struct ErrorAttrs {
  const char* message = nullptr;
};

int error_attr_cb(const nlattr* attr, void* data) {
  if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0) return MNL_CB_OK;
  if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
      mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
    static_cast<ErrorAttrs*>(data)->message = mnl_attr_get_str(attr);
  return MNL_CB_OK;
}

KernelError parse_error(const nlmsghdr* nlh) {
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  KernelError e{nlh->nlmsg_seq, err->error < 0 ? -err->error : err->error, {}};
  size_t hlen = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) hlen += mnl_nlmsg_get_payload_len(&err->msg);
  if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && mnl_nlmsg_get_payload_len(nlh) > hlen) {
    ErrorAttrs attrs;
    mnl_attr_parse(nlh, static_cast<unsigned>(hlen), error_attr_cb, &attrs);
    if (attrs.message) e.detail = attrs.message;
  }
  return e;
}

}  // namespace

Socket::Socket() {
  nl_ = mnl_socket_open(NETLINK_NETFILTER);
  if (!nl_) throw BackendError(fmt::format("cannot open a netlink socket: {}", strerror(errno)));
  if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    mnl_socket_close(nl_);
    throw BackendError(fmt::format("cannot bind the netlink socket: {}", strerror(e)));
  }
  portid_ = mnl_socket_get_portid(nl_);
  int one = 1;
  mnl_socket_setsockopt(nl_, NETLINK_EXT_ACK, &one, sizeof one);
  // Distinct sequence numbers per process run keep replies to an earlier socket apart.
  seq_ = static_cast<uint32_t>(time(nullptr));
}

Socket::~Socket() {
  if (nl_) mnl_socket_close(nl_);
}

std::vector<KernelError> Socket::send_batch(nftnl_batch* batch, size_t messages) {
  const int fd = mnl_socket_get_fd(nl_);
  std::vector<iovec> iov(static_cast<size_t>(nftnl_batch_iovec_len(batch)));
  nftnl_batch_iovec(batch, iov.data(), static_cast<uint32_t>(iov.size()));
  size_t total = 0;
  for (const auto& v : iov) total += v.iov_len;
  raise_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, static_cast<int>(total + 65536));
  raise_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, static_cast<int>(std::max<size_t>(messages * 1024, 1 << 20)));

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  msghdr msg{};
  msg.msg_name = &kernel;
  msg.msg_namelen = sizeof kernel;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (sendmsg(fd, &msg, 0) < 0) return {KernelError{0, errno, "sending the batch failed"}};

  std::vector<KernelError> errors;
  std::vector<char> buf(kReceiveBuffer);
  while (true) {
    ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        errors.push_back({0, errno, "reading the kernel's replies failed"});
      break;
    }
    int len = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_type != NLMSG_ERROR) continue;
      KernelError e = parse_error(nlh);
      if (e.error != 0) errors.push_back(std::move(e));
    }
  }
  return errors;
}

namespace {

// Whether received messages hold the one that ends a dump: NLMSG_DONE, or an error reply.
bool ends_dump(const char* data, size_t len) {
  int left = static_cast<int>(len);
  for (const auto* nlh = reinterpret_cast<const nlmsghdr*>(data); mnl_nlmsg_ok(nlh, left);
       nlh = mnl_nlmsg_next(nlh, &left))
    if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) return true;
  return false;
}

}  // namespace

int Socket::dump(const nlmsghdr* request, uint32_t generation,
                 const std::function<void(const nlmsghdr*)>& on_message) {
  if (mnl_socket_sendto(nl_, request, request->nlmsg_len) < 0) return errno;
  struct Ctx {
    const std::function<void(const nlmsghdr*)>* on_message;
    uint16_t generation;
    bool stale = false;
  } ctx{&on_message, static_cast<uint16_t>(generation & 0xffff)};
  auto cb = [](const nlmsghdr* nlh, void* data) -> int {
    auto* c = static_cast<Ctx*>(data);
    const auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
    // Every dump reply carries the low 16 bits of the generation it was taken from.
    if (ntohs(nfg->res_id) != c->generation) c->stale = true;
    (*c->on_message)(nlh);
    return MNL_CB_OK;
  };
  std::vector<char> buf(kReceiveBuffer);
  while (true) {
    ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) return errno;
    int ret = mnl_cb_run(buf.data(), static_cast<size_t>(n), request->nlmsg_seq, portid_, cb, &ctx);
    if (ret < 0) {
      const int e = errno == 0 ? EIO : errno;
      // The ruleset changed during the dump (NLM_F_DUMP_INTR): libmnl stops at the first message
      // so marked. The rest of the dump is read and dropped, or the next request on this socket
      // would be answered with it (EPROTO: a reply to another sequence number). Should that
      // reading fail, its error is returned, not EINTR: a retry on this socket would meet the rest.
      if (e == EINTR)
        while (!ends_dump(buf.data(), static_cast<size_t>(n)))
          if ((n = mnl_socket_recvfrom(nl_, buf.data(), buf.size())) < 0) return errno;
      return e;
    }
    if (ret == MNL_CB_STOP) break;
  }
  return ctx.stale ? EINTR : 0;
}

uint32_t Socket::generation() {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, next_seq());
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0)
    throw BackendError(fmt::format("cannot ask the kernel for the ruleset generation: {}",
                                   strerror(errno)));
  uint32_t gen = 0;
  auto cb = [](const nlmsghdr* reply, void* data) -> int {
    auto attr_cb = [](const nlattr* attr, void* out) -> int {
      if (mnl_attr_get_type(attr) == NFTA_GEN_ID && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
        *static_cast<uint32_t*>(out) = ntohl(mnl_attr_get_u32(attr));
      return MNL_CB_OK;
    };
    mnl_attr_parse(reply, sizeof(nfgenmsg), attr_cb, data);
    return MNL_CB_OK;
  };
  std::vector<char> rbuf(kReceiveBuffer);
  while (true) {
    ssize_t n = mnl_socket_recvfrom(nl_, rbuf.data(), rbuf.size());
    if (n < 0) break;
    int ret = mnl_cb_run(rbuf.data(), static_cast<size_t>(n), nlh->nlmsg_seq, portid_, cb, &gen);
    if (ret < 0)
      throw BackendError(fmt::format("the kernel refused to report the ruleset generation: {}",
                                     strerror(errno)));
    if (ret == MNL_CB_STOP) break;
  }
  return gen;
}

int read_consistent(Socket& socket, const std::function<int(uint32_t generation)>& read) {
  int e = EINTR;
  for (int attempt = 0; attempt < kConsistentAttempts && e == EINTR; ++attempt) e = read(socket.generation());
  return e;
}

}  // namespace zp::backends::nl
