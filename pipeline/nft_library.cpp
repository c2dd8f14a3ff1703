// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/nft_library.h"

#include <nftables/libnftables.h>

#include <memory>

namespace zp::pipeline {

namespace {

struct ContextFree {
  void operator()(nft_ctx* c) const { nft_ctx_free(c); }
};
using Context = std::unique_ptr<nft_ctx, ContextFree>;

// A context whose output and errors are kept in buffers, not printed.
Context buffered_context(NftOutput output) {
  Context c(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!c) return c;
  nft_ctx_output_set_flags(c.get(), output == NftOutput::Json ? NFT_CTX_OUTPUT_JSON : 0);
  nft_ctx_clear_include_paths(c.get());
  if (nft_ctx_buffer_output(c.get()) != 0 || nft_ctx_buffer_error(c.get()) != 0) c.reset();
  return c;
}

template <typename Run>
NftResult run_in(NftOutput output, Run run) {
  NftResult r;
  Context c = buffered_context(output);
  if (!c) {
    r.error = "cannot make an nft context (out of memory)";
    return r;
  }
  r.ok = run(c.get()) == 0;
  const char* out = nft_ctx_get_output_buffer(c.get());
  const char* err = nft_ctx_get_error_buffer(c.get());
  r.out = out ? out : "";
  r.error = err ? err : "";
  while (!r.error.empty() && r.error.back() == '\n') r.error.pop_back();
  if (!r.ok && r.error.empty()) r.error = "nft failed and said nothing";
  return r;
}

}  // namespace

NftResult run_nft(const std::string& command, NftOutput output) {
  return run_in(output, [&](nft_ctx* c) { return nft_run_cmd_from_buffer(c, command.c_str()); });
}

NftResult run_nft_file(const std::string& path) {
  return run_in(NftOutput::Text, [&](nft_ctx* c) { return nft_run_cmd_from_filename(c, path.c_str()); });
}

}  // namespace zp::pipeline
