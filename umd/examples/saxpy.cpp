// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// y = a * x + y on malloc'd memory: the device uses the CPU's pointers.
// Usage: saxpy [--mib N]   (N MiB per array, default 64)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "vsvm/runtime.h"

int main(int argc, char** argv)
{
    std::size_t mib = 64;
    if (argc == 3 && std::strcmp(argv[1], "--mib") == 0)
        mib = std::strtoul(argv[2], nullptr, 10);
    const uint32_t n = static_cast<uint32_t>(mib * 1024 * 1024 / sizeof(float));
    const float a = 2.0f;

    std::ifstream file(VSVM_KERNELS_DIR "/saxpy.vsa");
    std::stringstream source;
    source << file.rdbuf();
    auto kernel = vsvm::Kernel::fromAssembly(source.str());
    auto device = vsvm::Device::open(0);
    if (!kernel || !device) {
        std::fprintf(stderr, "saxpy: %s\n", (!kernel ? kernel.status() : device.status()).message().c_str());
        return 1;
    }
    auto vm = vsvm::Vm::create(*device);
    if (!vm) {
        std::fprintf(stderr, "saxpy: %s\n", vm.status().message().c_str());
        return 1;
    }

    auto* x = static_cast<float*>(std::malloc(n * sizeof(float)));
    auto* y = static_cast<float*>(std::malloc(n * sizeof(float)));
    for (uint32_t i = 0; i < n; i++) {
        x[i] = static_cast<float>(i % 1000);
        y[i] = 1.0f;
    }

    auto start = std::chrono::steady_clock::now();
    const uint32_t lanes = 256;
    auto fence = vsvm::ComputeQueue(*vm).launch(*kernel, {(n + lanes - 1) / lanes}, {lanes}, x, y, n, a);
    auto result = fence ? fence->wait() : vsvm::Result<vsvm::JobResult>(fence.status());
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    if (!result || !result->ok()) {
        std::fprintf(stderr, "saxpy: %s\n", result ? result->describe().c_str() : result.status().message().c_str());
        return 1;
    }

    uint32_t wrong = 0;
    for (uint32_t i = 0; i < n; i++)
        wrong += y[i] != a * static_cast<float>(i % 1000) + 1.0f;
    auto counters = vm->counters();
    std::printf("saxpy: %u elements, %s (%u wrong), %.1f ms, faults %llu, invalidations %llu\n", n,
                wrong ? "FAILED" : "ok", wrong, elapsed.count(),
                counters ? static_cast<unsigned long long>(counters->faults) : 0ull,
                counters ? static_cast<unsigned long long>(counters->invalidations()) : 0ull);
    std::free(x);
    std::free(y);
    return wrong ? 1 : 0;
}
