// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// ComputeQueue::dispatchSplit(): a grid run as jobs short enough for the
// device's job timeout.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>

#include <fmt/format.h>

#include "vsvm/queue.h"

namespace vsvm {
namespace {

using Clock = std::chrono::steady_clock;

struct SplitJob {
    Fence fence;
    uint64_t number; // from 1
};

// Waits for @p job as waitOk() does, calling progress every
// progressInterval while it runs and giving up after jobTimeout.
Status waitSplitJob(const SplitJob& job, uint64_t done, uint64_t total, const SplitOptions& options)
{
    const auto start = Clock::now();
    const std::string name = fmt::format("job {} of {}", job.number, total);
    for (;;) {
        auto waited = Clock::now() - start;
        auto left = options.jobTimeout == Fence::kForever ? Fence::kForever
                                                          : std::max(options.jobTimeout - waited, Clock::duration(0));
        bool ticking = options.progress && options.progressInterval.count() > 0;
        auto step = ticking ? std::min<std::chrono::nanoseconds>(left, options.progressInterval) : left;
        auto result = job.fence.wait(step);
        if (result)
            return result->ok() ? Status() : Status::jobFailed(*result, name);
        if (result.status().errnum() != ETIME)
            return result.status().withContext(name);
        if (step == left)
            return Status::error(ETIME, fmt::format("{}: still running after {:.3g} s", name,
                                                    std::chrono::duration<double>(options.jobTimeout).count()));
        options.progress(done, total);
    }
}

} // namespace

Result<uint64_t> ComputeQueue::dispatchSplit(const Kernel& kernel, Dim3 groups, Dim3 lanes, const SplitArgs& args,
                                             const SplitOptions& options) const
{
    if (options.maxGroups == 0 || options.iterations == 0 || options.inFlight == 0 || !args)
        return Status::error(EINVAL, "dispatchSplit(): maxGroups, iterations and inFlight must be at least 1, "
                                     "and the arguments function given");
    if (groups.x == 0)
        return Status::error(EINVAL, "dispatchSplit(): 0 workgroups in x: at least 1");
    // Each job must be a valid dispatch; the whole grid may be larger.
    Dim3 largest{std::min(groups.x, options.maxGroups), groups.y, groups.z};
    if (Status grid = checkGrid(largest, lanes); !grid.ok())
        return grid.withContext("dispatchSplit()");

    const uint64_t perIteration = (uint64_t{groups.x} + options.maxGroups - 1) / options.maxGroups;
    const uint64_t total = perIteration * options.iterations;
    std::deque<SplitJob> running;
    uint64_t submitted = 0;
    uint64_t done = 0;
    Status failure;
    auto retireOldest = [&] {
        Status status = waitSplitJob(running.front(), done, total, options);
        running.pop_front();
        if (!status.ok())
            return status;
        if (options.progress)
            options.progress(++done, total);
        else
            ++done;
        return Status();
    };

    for (uint32_t iteration = 0; iteration < options.iterations && failure.ok(); iteration++) {
        for (uint32_t first = 0, count = 0; first < groups.x && failure.ok(); first += count) {
            if (running.size() == options.inFlight) {
                failure = retireOldest();
                if (!failure.ok())
                    break;
            }
            count = std::min(options.maxGroups, groups.x - first);
            auto fence = submit({{&kernel, {count, groups.y, groups.z}, lanes, args(first, count)}});
            if (!fence) {
                failure = fence.status().withContext(fmt::format("job {} of {}", submitted + 1, total));
                break;
            }
            running.push_back({std::move(*fence), ++submitted});
        }
    }
    while (!running.empty() && failure.ok())
        failure = retireOldest();
    // After a failure nothing more is submitted; the jobs in flight still
    // use the caller's memory, so they are waited for (their outcome no
    // longer matters), unless one of them timed out.
    if (failure.errnum() != ETIME) {
        for (const SplitJob& job : running)
            (void)job.fence.wait(options.jobTimeout);
    }
    if (!failure.ok())
        return failure;
    return done;
}

} // namespace vsvm
