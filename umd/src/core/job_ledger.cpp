// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <algorithm>

#include "core/state.h"
#include "vsvm_drm.h"

namespace vsvm::detail {

std::vector<std::shared_ptr<JobRecord>> JobLedger::beginSubmit()
{
    std::lock_guard lock(mutex_);
    submitting_++;
    // Each submission in flight may take the next id: the highest the
    // kernel can hand out before the last of them returns.
    const uint64_t highest = lastJobId_ + submitting_;
    std::vector<std::shared_ptr<JobRecord>> atRisk;
    for (const auto& weak : records_) {
        auto record = weak.lock();
        if (record && record->jobId() + DRM_VSVM_WAIT_MAX_KEPT <= highest && !record->resolved())
            atRisk.push_back(std::move(record));
    }
    return atRisk;
}

void JobLedger::endSubmit(const std::shared_ptr<JobRecord>& record)
{
    std::lock_guard lock(mutex_);
    submitting_--;
    if (!record)
        return;
    lastJobId_ = std::max(lastJobId_, record->jobId());
    records_.push_back(record);
    // Amortised: the list is scanned again only once it has doubled.
    if (records_.size() >= pruneAt_) {
        prune();
        pruneAt_ = std::max<std::size_t>(64, 2 * records_.size());
    }
}

std::vector<std::shared_ptr<JobRecord>> JobLedger::unresolved()
{
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<JobRecord>> records;
    for (const auto& weak : records_) {
        auto record = weak.lock();
        if (record && !record->resolved())
            records.push_back(std::move(record));
    }
    return records;
}

void JobLedger::prune()
{
    std::erase_if(records_, [](const std::weak_ptr<JobRecord>& weak) {
        auto record = weak.lock();
        return !record || record->resolved();
    });
}

void resolveAll(VmState& vm, const std::vector<std::shared_ptr<JobRecord>>& records)
{
    // A job that cannot be waited for keeps no outcome; its Fence reports why.
    for (const auto& record : records)
        (void)waitJob(vm, *record, std::chrono::nanoseconds::max());
}

} // namespace vsvm::detail
