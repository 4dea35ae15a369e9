// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/emu.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "vsvm_drm.h"

#include "interp.h"

namespace vsvm::emu {
namespace {

struct EngineDeleter {
    void operator()(vsvm_isa_engine* engine) const { vsvm_isa_engine_free(engine); }
};
using EnginePtr = std::unique_ptr<vsvm_isa_engine, EngineDeleter>;

// The declared ranges, checked before every access.
class AddressSpace {
public:
    AddressSpace(std::span<const HostRange> ranges, std::span<const std::uint64_t> program)
        : program_(reinterpret_cast<std::uintptr_t>(program.data())), programBytes_(program.size_bytes())
    {
        for (const HostRange& range : ranges)
            if (range.size)
                ranges_.push_back(range);
    }

    // [addr, addr + size) lies in one declared range that allows the access.
    bool allows(std::uint64_t addr, std::uint64_t size, bool write) const
    {
        // A linear scan: kernels get a handful of arrays, and overlapping
        // ranges need no special case.
        for (const HostRange& range : ranges_) {
            auto base = reinterpret_cast<std::uintptr_t>(range.base);
            if (addr >= base && addr - base <= range.size && size <= range.size - (addr - base) &&
                (!write || range.access == Access::ReadWrite))
                return true;
        }
        return false;
    }

    bool inProgram(std::uint64_t addr, std::uint64_t len) const
    {
        return addr >= program_ && addr - program_ <= programBytes_ && len <= programBytes_ - (addr - program_);
    }

private:
    std::vector<HostRange> ranges_;
    std::uintptr_t program_;
    std::size_t programBytes_;
};

// What the workers share.
struct Shared {
    const AddressSpace* space = nullptr;
    const drm_vsvm_dispatch* dispatch = nullptr;
    std::uint64_t totalGroups = 0;
    std::uint64_t maxInstructions = 0;
    std::atomic<std::uint64_t> nextGroup{0};
    // Instructions of the groups that ended; the running ones add theirs in check_stop.
    std::atomic<std::uint64_t> instructions{0};
    std::atomic<bool> stop{false};
    std::mutex mutex; // guards failure and failedGroup
    std::optional<RunResult> failure;
    std::uint64_t failedGroup = 0;
};

// One worker's context for the mem_ops callbacks.
struct Context {
    Shared* shared;
    const vsvm_isa_result* running = nullptr;
    std::uint64_t reported = 0; // of running->instructions, already added to shared->instructions
    bool timedOut = false;
};

template <typename T>
T* hostPointer(std::uint64_t addr)
{
    return reinterpret_cast<T*>(static_cast<std::uintptr_t>(addr));
}

std::uint64_t load(std::uint64_t addr, unsigned size)
{
    switch (size) {
    case 1:
        return __atomic_load_n(hostPointer<std::uint8_t>(addr), __ATOMIC_RELAXED);
    case 2:
        return __atomic_load_n(hostPointer<std::uint16_t>(addr), __ATOMIC_RELAXED);
    case 4:
        return __atomic_load_n(hostPointer<std::uint32_t>(addr), __ATOMIC_RELAXED);
    default:
        return __atomic_load_n(hostPointer<std::uint64_t>(addr), __ATOMIC_RELAXED);
    }
}

void store(std::uint64_t addr, unsigned size, std::uint64_t value)
{
    switch (size) {
    case 1:
        __atomic_store_n(hostPointer<std::uint8_t>(addr), static_cast<std::uint8_t>(value), __ATOMIC_RELAXED);
        break;
    case 2:
        __atomic_store_n(hostPointer<std::uint16_t>(addr), static_cast<std::uint16_t>(value), __ATOMIC_RELAXED);
        break;
    case 4:
        __atomic_store_n(hostPointer<std::uint32_t>(addr), static_cast<std::uint32_t>(value), __ATOMIC_RELAXED);
        break;
    default:
        __atomic_store_n(hostPointer<std::uint64_t>(addr), value, __ATOMIC_RELAXED);
        break;
    }
}

// op(m, b) for the read-modify-writes that have no fetch-op builtin.
template <typename T, typename S>
T combine(int op, T m, T b)
{
    switch (op) {
    case VSVM_ATOMIC_MIN_U:
        return std::min(m, b);
    case VSVM_ATOMIC_MAX_U:
        return std::max(m, b);
    case VSVM_ATOMIC_MIN_I:
        return static_cast<T>(std::min(static_cast<S>(m), static_cast<S>(b)));
    default: // VSVM_ATOMIC_MAX_I
        return static_cast<T>(std::max(static_cast<S>(m), static_cast<S>(b)));
    }
}

// Atomically m = *p; *p = op(m, b) (cmpxchg: b if m == cmp); returns m.
template <typename T, typename S>
T atomicOp(T* p, int op, T b, T cmp)
{
    switch (op) {
    case VSVM_ATOMIC_ADD:
        return __atomic_fetch_add(p, b, __ATOMIC_SEQ_CST);
    case VSVM_ATOMIC_AND:
        return __atomic_fetch_and(p, b, __ATOMIC_SEQ_CST);
    case VSVM_ATOMIC_OR:
        return __atomic_fetch_or(p, b, __ATOMIC_SEQ_CST);
    case VSVM_ATOMIC_XOR:
        return __atomic_fetch_xor(p, b, __ATOMIC_SEQ_CST);
    case VSVM_ATOMIC_XCHG:
        return __atomic_exchange_n(p, b, __ATOMIC_SEQ_CST);
    case VSVM_ATOMIC_CMPXCHG:
        // On failure expected becomes the value found; on success it is that value too.
        __atomic_compare_exchange_n(p, &cmp, b, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        return cmp;
    default: {
        T m = __atomic_load_n(p, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(p, &m, combine<T, S>(op, m, b), true, __ATOMIC_SEQ_CST,
                                            __ATOMIC_RELAXED)) {
        }
        return m;
    }
    }
}

extern "C" int emuAccess(void* ctx, vsvm_isa_mem_req* req, u64* faultAddr, bool* faultWrite)
{
    const AddressSpace& space = *static_cast<Context*>(ctx)->shared->space;
    bool write = req->kind != VSVM_ISA_MEM_LOAD;

    // Every lane's address first, so a faulting instruction changes nothing.
    for (unsigned i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
        if ((req->lanes & (1u << i)) && !space.allows(req->addr[i], req->size, write)) {
            *faultAddr = req->addr[i];
            *faultWrite = write;
            return -EFAULT;
        }
    }
    for (unsigned i = 0; i < VSVM_ISA_WAVE_LANES; i++) {
        if (!(req->lanes & (1u << i)))
            continue;
        std::uint64_t addr = req->addr[i];
        switch (req->kind) {
        case VSVM_ISA_MEM_LOAD:
            req->data[i] = load(addr, req->size);
            break;
        case VSVM_ISA_MEM_STORE:
            store(addr, req->size, req->data[i]);
            break;
        case VSVM_ISA_MEM_ATOMIC:
            if (req->size == 4)
                req->data[i] = atomicOp<std::uint32_t, std::int32_t>(
                    hostPointer<std::uint32_t>(addr), req->atomic, static_cast<std::uint32_t>(req->data[i]),
                    static_cast<std::uint32_t>(req->cmp[i]));
            else
                req->data[i] = atomicOp<std::uint64_t, std::int64_t>(hostPointer<std::uint64_t>(addr), req->atomic,
                                                                     req->data[i], req->cmp[i]);
            break;
        }
    }
    return 0;
}

// @p count elements of type T between memory at @p addr and @p buf (memory
// byte order; the host is little-endian), each a relaxed atomic access as in
// emuAccess().
template <typename T>
void copyRun(std::uint64_t addr, std::uint8_t* buf, unsigned count, bool write)
{
    T* p = hostPointer<T>(addr);
    T value;
    if (write) {
        for (unsigned i = 0; i < count; i++) {
            std::memcpy(&value, buf + i * sizeof(T), sizeof(T));
            __atomic_store_n(p + i, value, __ATOMIC_RELAXED);
        }
    } else {
        for (unsigned i = 0; i < count; i++) {
            value = __atomic_load_n(p + i, __ATOMIC_RELAXED);
            std::memcpy(buf + i * sizeof(T), &value, sizeof(T));
        }
    }
}

// The interpreter's fast path: consecutive lanes on consecutive elements of
// one page. Declined (false) unless the whole run is in one allowed range;
// the lane-by-lane path then reports the first lane that faults.
extern "C" bool emuAccessRun(void* ctx, u64 addr, void* buf, unsigned len, unsigned size, bool write)
{
    static_assert(std::endian::native == std::endian::little, "memory byte order is the host's");
    const AddressSpace& space = *static_cast<Context*>(ctx)->shared->space;

    if (!space.allows(addr, len, write))
        return false;
    auto* bytes = static_cast<std::uint8_t*>(buf);
    switch (size) {
    case 1:
        copyRun<std::uint8_t>(addr, bytes, len, write);
        break;
    case 2:
        copyRun<std::uint16_t>(addr, bytes, len / 2, write);
        break;
    case 4:
        copyRun<std::uint32_t>(addr, bytes, len / 4, write);
        break;
    default:
        copyRun<std::uint64_t>(addr, bytes, len / 8, write);
        break;
    }
    return true;
}

extern "C" int emuFetch(void* ctx, u64 addr, void* buf, size_t len, u64* faultAddr)
{
    const AddressSpace& space = *static_cast<Context*>(ctx)->shared->space;

    if (!space.inProgram(addr, len)) {
        *faultAddr = addr;
        return -EFAULT;
    }
    std::memcpy(buf, hostPointer<const void>(addr), len);
    return 0;
}

extern "C" bool emuCheckStop(void* ctx)
{
    auto* context = static_cast<Context*>(ctx);
    Shared& shared = *context->shared;

    if (shared.stop.load(std::memory_order_relaxed))
        return true;
    if (!shared.maxInstructions)
        return false;
    std::uint64_t now = context->running->instructions;
    std::uint64_t total = shared.instructions.fetch_add(now - context->reported) + (now - context->reported);
    context->reported = now;
    if (total > shared.maxInstructions) {
        context->timedOut = true;
        return true;
    }
    return false;
}

const vsvm_isa_mem_ops kOps = {
    .access = emuAccess,
    .fetch = emuFetch,
    .check_stop = emuCheckStop,
    .access_run = emuAccessRun,
};

// The failure of group @p flat, kept if it is the first one (lowest group index).
void recordFailure(Shared& shared, std::uint64_t flat, const RunResult& result)
{
    std::lock_guard lock(shared.mutex);
    if (!shared.failure || flat < shared.failedGroup) {
        shared.failure = result;
        shared.failedGroup = flat;
    }
    shared.stop.store(true, std::memory_order_relaxed);
}

void worker(Shared& shared, vsvm_isa_engine* engine)
{
    const drm_vsvm_dispatch& d = *shared.dispatch;
    Context context{.shared = &shared};
    vsvm_isa_result res{};

    for (;;) {
        if (shared.stop.load(std::memory_order_relaxed))
            return;
        std::uint64_t flat = shared.nextGroup.fetch_add(1);
        if (flat >= shared.totalGroups)
            return;
        u32 group[3] = {
            static_cast<u32>(flat % d.num_groups[0]),
            static_cast<u32>(flat / d.num_groups[0] % d.num_groups[1]),
            static_cast<u32>(flat / d.num_groups[0] / d.num_groups[1]),
        };
        context.running = &res;
        context.reported = 0;
        context.timedOut = false;
        vsvm_isa_run_group(engine, &d, group, &kOps, &context, &res);
        shared.instructions.fetch_add(res.instructions - context.reported);

        RunResult result;
        result.group = {group[0], group[1], group[2]};
        result.pc = res.pc;
        switch (res.status) {
        case VSVM_ISA_DONE:
            continue;
        case VSVM_ISA_FAULT:
            result.status = Outcome::Fault;
            result.faultAddr = res.fault_addr;
            result.faultWrite = res.fault_write;
            break;
        case VSVM_ISA_INVALID:
            result.status = Outcome::Invalid;
            result.error = res.error;
            result.faultAddr = res.fault_addr;
            break;
        case VSVM_ISA_STOPPED:
            // Stopped because another group failed: that one reports.
            if (!context.timedOut)
                return;
            result.status = Outcome::Timeout;
            break;
        }
        recordFailure(shared, flat, result);
        return;
    }
}

Status validate(const Launch& launch, std::span<const HostRange> ranges)
{
    auto invalid = [](std::string message) { return Status::error(EINVAL, "emulator: " + std::move(message)); };
    const auto& gs = launch.groupSize;
    const auto& ng = launch.numGroups;

    if (launch.program.empty() || launch.program.size_bytes() > DRM_VSVM_CODE_MAX_SIZE)
        return invalid(fmt::format("program of {} bytes: 8 to {} allowed", launch.program.size_bytes(),
                                   DRM_VSVM_CODE_MAX_SIZE));
    if (launch.entry % 8 || launch.entry >= launch.program.size_bytes())
        return invalid(fmt::format("entry {:#x} is not the offset of an instruction of the program", launch.entry));
    if (launch.isaVersion < VSVM_ISA_VERSION_MIN || launch.isaVersion > VSVM_ISA_VERSION)
        return invalid(fmt::format("ISA version {}: {} to {} supported", launch.isaVersion, VSVM_ISA_VERSION_MIN,
                                   VSVM_ISA_VERSION));
    std::uint64_t lanes = std::uint64_t{gs[0]} * gs[1] * gs[2];
    if (lanes == 0 || lanes > VSVM_ISA_MAX_GROUP_LANES)
        return invalid(fmt::format("workgroup of {}x{}x{} lanes: 1 to {} allowed", gs[0], gs[1], gs[2],
                                   VSVM_ISA_MAX_GROUP_LANES));
    for (unsigned i = 0; i < 3; i++)
        if (ng[i] == 0 || ng[i] > DRM_VSVM_MAX_GROUPS)
            return invalid(fmt::format("{} workgroups in {}: 1 to {} allowed", ng[i], "xyz"[i], DRM_VSVM_MAX_GROUPS));
    if (launch.args.size() > VSVM_ISA_MAX_ARGS)
        return invalid(fmt::format("{} arguments: at most {}", launch.args.size(), VSVM_ISA_MAX_ARGS));
    for (const HostRange& range : ranges)
        if (range.size && !range.base)
            return invalid("a host range of non-zero size at address 0");
    return {};
}

} // namespace

const char* outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Ok:
        return "ok";
    case Outcome::Fault:
        return "fault";
    case Outcome::Invalid:
        return "invalid";
    case Outcome::Timeout:
        return "timeout";
    }
    return "?";
}

const char* errorName(int error)
{
    // The names of enum vsvm_isa_error, which the v2 header extends.
    static constexpr const char* kNames[] = {"none", "opcode", "operand", "branch", "pc", "align", "lds"};
    if (error >= 0 && static_cast<std::size_t>(error) < std::size(kNames))
        return kNames[error];
    return "unknown error";
}

std::string RunResult::describe() const
{
    std::string where = fmt::format("pc {:#x}, group ({}, {}, {})", pc, group[0], group[1], group[2]);
    switch (status) {
    case Outcome::Ok:
        return "ok";
    case Outcome::Fault:
        return fmt::format("fault: {} at {:#x}, {}", faultWrite ? "write" : "read", faultAddr, where);
    case Outcome::Invalid:
        if (error == VSVM_ISA_ERR_ALIGN || error == VSVM_ISA_ERR_LDS)
            return fmt::format("invalid ({}) at address {:#x}, {}", errorName(error), faultAddr, where);
        return fmt::format("invalid ({}), {}", errorName(error), where);
    case Outcome::Timeout:
        return fmt::format("timeout after {} instructions, {}", instructions, where);
    }
    return "?";
}

Result<RunResult> run(const Launch& launch, std::span<const HostRange> ranges, const RunOptions& options)
{
    if (Status status = validate(launch, ranges); !status.ok())
        return status;

    drm_vsvm_dispatch d{};
    d.code_ptr = reinterpret_cast<std::uintptr_t>(launch.program.data());
    d.code_size = launch.program.size_bytes();
    d.entry = launch.entry;
    d.isa_version = launch.isaVersion;
    for (unsigned i = 0; i < 3; i++) {
        d.group_size[i] = launch.groupSize[i];
        d.num_groups[i] = launch.numGroups[i];
    }
    d.num_args = static_cast<std::uint32_t>(launch.args.size());
    std::copy(launch.args.begin(), launch.args.end(), d.args);

    AddressSpace space(ranges, launch.program);
    Shared shared;
    shared.space = &space;
    shared.dispatch = &d;
    shared.totalGroups = std::uint64_t{d.num_groups[0]} * d.num_groups[1] * d.num_groups[2];
    shared.maxInstructions = options.maxInstructions;

    unsigned threads = static_cast<unsigned>(
        std::clamp<std::uint64_t>(options.threads, 1, std::min<std::uint64_t>(shared.totalGroups, 64)));
    std::vector<EnginePtr> engines;
    for (unsigned i = 0; i < threads; i++) {
        engines.emplace_back(vsvm_isa_engine_alloc());
        if (!engines.back())
            return Status::error(ENOMEM, "emulator: out of memory for the interpreter's state");
    }

    if (threads == 1) {
        worker(shared, engines[0].get());
    } else {
        std::vector<std::jthread> workers;
        for (unsigned i = 0; i < threads; i++) {
            try {
                workers.emplace_back([&shared, engine = engines[i].get()] { worker(shared, engine); });
            } catch (const std::system_error& error) {
                shared.stop.store(true);
                workers.clear(); // joins the ones that started
                return Status::error(EAGAIN, fmt::format("emulator: cannot start a thread: {}", error.what()));
            }
        }
    }

    RunResult result = shared.failure.value_or(RunResult{});
    result.instructions = shared.instructions.load();
    return result;
}

} // namespace vsvm::emu
