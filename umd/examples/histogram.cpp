// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// A histogram of the bytes of a malloc'd buffer: every device lane adds 1 to
// the counter of its byte with an atomic, so many lanes race on the same 256
// counters and none of their increments may be lost.
// Usage: histogram [--mib N]   (N MiB of bytes, default 4)

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "example.h"
#include "vsvm/runtime.h"

int main(int argc, char** argv)
{
    example::Options options(argc, argv, {"--mib"}, "[--mib N]   (N MiB of bytes, default 4)");
    const std::size_t mib = options.get("--mib", 4);
    const uint32_t n = static_cast<uint32_t>(mib * 1024 * 1024);

    vsvm::Kernel kernel = example::loadKernel("histogram", "histogram");
    vsvm::Device device = example::check("histogram", vsvm::Device::open(0));
    vsvm::Vm vm = example::check("histogram", vsvm::Vm::create(device));

    auto* data = static_cast<uint8_t*>(std::malloc(n));
    auto* counters = static_cast<uint32_t*>(std::calloc(256, sizeof(uint32_t)));
    if (!data || !counters) {
        std::fprintf(stderr, "histogram: out of memory for %zu MiB\n", mib);
        return 1;
    }
    // Skewed values (the AND of two random bytes has few bits set), so that
    // some counters are much hotter than others.
    std::minstd_rand random(42);
    std::array<uint32_t, 256> expected{};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t bits = static_cast<uint32_t>(random());
        data[i] = static_cast<uint8_t>(bits & (bits >> 8));
        expected[data[i]]++;
    }

    // Jobs of 1 MiB of bytes each, within the device's job timeout.
    auto start = std::chrono::steady_clock::now();
    const uint32_t lanes = 256;
    vsvm::ComputeQueue queue(vm);
    auto argsOfJob = [&](uint32_t firstGroup, uint32_t count) {
        uint32_t first = firstGroup * lanes;
        uint32_t bytes = std::min(count * lanes, n - first);
        return vsvm::KernelArgs(data + first, counters, bytes);
    };
    uint64_t jobs = example::check(
        "histogram", queue.dispatchSplit(kernel, {(n + lanes - 1) / lanes}, {lanes}, argsOfJob, {.maxGroups = 4096}));
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);

    uint32_t wrong = 0;
    for (int value = 0; value < 256; value++)
        wrong += counters[value] != expected[value];
    std::printf("histogram: %u bytes (%zu MiB malloc'd) into 256 atomic counters, %s (%u counters wrong), "
                "%.1f ms on the device (%llu jobs)\n",
                n, mib, wrong ? "FAILED" : "ok", wrong, elapsed.count(), static_cast<unsigned long long>(jobs));
    example::printCounters("histogram", vm);
    std::free(data);
    std::free(counters);
    return wrong ? 1 : 0;
}
