// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Uses the installed headers and library: assembles a kernel with a
// signature into a TypedKernel (which maps memory for it) and lists the
// devices (none is fine).

#include <cstdint>
#include <cstdio>

#include <vsvm/runtime.h>
#include <vsvm/vsvm_drm.h>

int main(int argc, char** argv)
{
    const char* name = argc > 1 ? argv[1] : "consumer";
    using Saxpy = vsvm::TypedKernel<const float*, float*, uint32_t, float>;
    auto kernel = Saxpy::fromAssembly("    .args ptr x, ptr y, u32 n, f32 a\n"
                                      "    s_mov s30, exec\n"
                                      "    v_cmp_lt_u32 exec, v0, s2\n"
                                      "    s_cbranch_execz done\n"
                                      "    v_shl_b64 v7, v0, 2\n"
                                      "    v_add_u64 v8, v7, s0\n"
                                      "    v_add_u64 v9, v7, s1\n"
                                      "    v_load_u32 v10, v8\n"
                                      "    v_load_u32 v11, v9\n"
                                      "    v_mac_f32 v11, v10, s3\n"
                                      "    v_store_b32 v9, v11\n"
                                      "done:\n"
                                      "    s_mov exec, s30\n"
                                      "    s_endpgm\n");
    auto devices = vsvm::Device::enumerate();
    if (!kernel || !devices) {
        std::fprintf(stderr, "%s: %s\n", name,
                     (!kernel ? kernel.status() : devices.status()).message().c_str());
        return 1;
    }
    std::printf("%s: assembled %zu words, %zu vsvm devices, uapi %u.%u\n", name, kernel->kernel().codeSize() / 8,
                devices->size(), DRM_VSVM_UAPI_MAJOR, DRM_VSVM_UAPI_MINOR);
    return 0;
}
