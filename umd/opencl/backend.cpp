// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "icd.h"
#include "vsvm/device.h"
#include "vsvm/emu.h"
#include "vsvm/queue.h"
#include "vsvm/vm.h"

namespace vsvm::opencl {

void logLine(const std::string& message)
{
    std::fprintf(stderr, "vsvm opencl: %s\n", message.c_str());
}

void waitFor(const Dependencies& after)
{
    // The outcome is the job's command's to report.
    for (const Fence& job : after)
        (void)job.wait();
}

void Completion::setContext(std::string context)
{
    context_ = std::move(context);
    result_ = withContext(std::move(result_));
}

ExecResult Completion::withContext(ExecResult result) const
{
    if (result.status != CL_COMPLETE && !context_.empty() && !result.error.starts_with(context_ + ": "))
        result.error = context_ + ": " + result.error;
    return result;
}

Completion Completion::after(const std::vector<std::shared_ptr<const Completion>>& before)
{
    // Flat, and without what has ended: a chain of markers stays short.
    Completion joined;
    auto add = [&](const std::shared_ptr<const Completion>& command) {
        if (std::find(joined.before_.begin(), joined.before_.end(), command) == joined.before_.end() &&
            !command->poll())
            joined.before_.push_back(command);
    };
    for (const auto& command : before) {
        if (!command->jobs_.empty())
            add(command);
        for (const auto& earlier : command->before_)
            add(earlier);
    }
    return joined;
}

void Completion::addTo(Dependencies& after) const
{
    auto add = [&](const Fence& job) {
        if (std::none_of(after.begin(), after.end(), [&](const Fence& f) { return &f == &job; }))
            after.push_back(job);
    };
    if (!jobs_.empty())
        add(jobs_.back());
    for (const auto& command : before_)
        add(command->jobs_.back());
}

std::optional<ExecResult> Completion::poll() const
{
    for (const auto& command : before_)
        if (!command->poll())
            return std::nullopt;
    if (jobs_.empty())
        return result_;
    Result<std::optional<JobResult>> last = jobs_.back().poll();
    if (last && !last->has_value())
        return std::nullopt;
    // The last job has ended (or cannot be asked): so have the others.
    return wait();
}

ExecResult Completion::wait() const
{
    for (const auto& command : before_)
        (void)command->wait();
    for (const Fence& job : jobs_) {
        Result<JobResult> result = job.wait();
        if (!result)
            return withContext({CL_OUT_OF_RESOURCES, result.status().message()});
        if (!result->ok())
            return withContext({CL_OUT_OF_RESOURCES, result->describe()});
    }
    return result_;
}

namespace {

cl_ulong physicalMemory()
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long pageSize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pageSize <= 0)
        return cl_ulong{1} << 30;
    return static_cast<cl_ulong>(pages) * static_cast<cl_ulong>(pageSize);
}

// The readable mappings of this process, from /proc/self/maps: what system
// SVM lets a kernel reach. Adjacent mappings with the same access are
// merged, since the emulator scans the list for every access. The kernel's
// special mappings whose pages may not be readable on every access ([vvar]
// and its kin, [vsyscall]) are left out.
std::vector<emu::HostRange> processRanges()
{
    std::vector<emu::HostRange> ranges;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        std::istringstream fields(line);
        std::string span, perms, offset, dev, inode, path;
        fields >> span >> perms >> offset >> dev >> inode;
        std::getline(fields >> std::ws, path);
        if (perms.size() < 2 || perms[0] != 'r' || path.starts_with("[vvar") || path == "[vsyscall]")
            continue;
        std::size_t dash = span.find('-');
        if (dash == std::string::npos)
            continue;
        std::uintptr_t start = std::strtoull(span.substr(0, dash).c_str(), nullptr, 16);
        std::uintptr_t end = std::strtoull(span.substr(dash + 1).c_str(), nullptr, 16);
        if (end <= start || start == 0)
            continue;
        emu::Access access = perms[1] == 'w' ? emu::Access::ReadWrite : emu::Access::ReadOnly;
        if (!ranges.empty() && ranges.back().access == access &&
            reinterpret_cast<std::uintptr_t>(ranges.back().base) + ranges.back().size == start) {
            ranges.back().size += end - start;
            continue;
        }
        ranges.push_back({reinterpret_cast<const void*>(start), end - start, access});
    }
    return ranges;
}

ExecResult hostFill(void* dst, const void* pattern, std::size_t patternSize, std::size_t size)
{
    auto* out = static_cast<unsigned char*>(dst);
    for (std::size_t done = 0; done < size; done += patternSize)
        std::memcpy(out + done, pattern, std::min(patternSize, size - done));
    return {};
}

// Commands on the host: kernels on the emulator, copies and fills with the CPU.
class EmuBackend final : public Backend {
public:
    EmuBackend()
    {
        unsigned threads = std::max(1u, std::thread::hardware_concurrency());
        if (const char* env = std::getenv("VSVM_OPENCL_EMU_THREADS"))
            threads = std::max(1, std::atoi(env));
        options_.threads = threads;
        // A kernel that never ends would hang the application: the dispatch
        // fails after this many wave instructions instead.
        options_.maxInstructions = std::uint64_t{1} << 36;
        if (const char* env = std::getenv("VSVM_OPENCL_EMU_MAX_INSTRUCTIONS"))
            options_.maxInstructions = std::strtoull(env, nullptr, 0);
        limits_.name = "vsvm host emulator";
        limits_.driverVersion = "0.1.0 (emulator)";
        limits_.computeUnits = threads;
        limits_.globalMemSize = physicalMemory();
        limits_.maxAllocSize = std::max<cl_ulong>(limits_.globalMemSize / 4, cl_ulong{128} << 20);
        limits_.isaVersion = VSVM_ISA_VERSION;
    }

    const DeviceLimits& limits() const override { return limits_; }

    ExecResult prepare(BuiltKernel&) override { return {}; }

    // Every command has ended when its call returns: there are no jobs to
    // wait for (@p after is empty).
    Completion dispatch(const BuiltKernel& kernel, std::array<std::uint32_t, 3> groups,
                        std::array<std::uint32_t, 3> lanes, std::span<const std::uint64_t> args,
                        const Dependencies&) override
    {
        // Read at every dispatch, so that memory the application mapped since
        // the last one is reachable. (A mapping another thread removes while
        // the kernel runs can still crash: the list is a snapshot.)
        std::vector<emu::HostRange> ranges = processRanges();
        // The ranges the arguments point into first: the emulator checks
        // them in order, and most accesses are there.
        std::stable_partition(ranges.begin(), ranges.end(), [&](const emu::HostRange& r) {
            auto base = reinterpret_cast<std::uintptr_t>(r.base);
            return std::any_of(args.begin(), args.end(),
                               [&](std::uint64_t a) { return a >= base && a - base < r.size; });
        });
        const isa::Program& program = kernel.compiled.program;
        emu::Launch launch{.program = program.words,
                           .entry = program.entry,
                           .isaVersion = program.isaVersion,
                           .groupSize = lanes,
                           .numGroups = groups,
                           .args = args};
        Result<emu::RunResult> result = emu::run(launch, ranges, options_);
        if (!result)
            return ExecResult{CL_OUT_OF_RESOURCES, result.status().message()};
        if (!result->ok())
            return ExecResult{CL_OUT_OF_RESOURCES, result->describe()};
        return {};
    }

    Completion copy(std::span<const CopyPiece> pieces, const Dependencies&) override
    {
        for (const CopyPiece& piece : pieces)
            std::memmove(piece.dst, piece.src, piece.size);
        return {};
    }

    Completion fill(void* dst, const void* pattern, std::size_t patternSize, std::size_t size,
                    const Dependencies&) override
    {
        return hostFill(dst, pattern, patternSize, size);
    }

private:
    DeviceLimits limits_;
    emu::RunOptions options_;
};

// One submission's outcome: its job, or why there is none.
Completion submitted(Result<Fence> fence)
{
    if (!fence)
        return ExecResult{CL_OUT_OF_RESOURCES, fence.status().message()};
    std::vector<Fence> jobs;
    jobs.push_back(std::move(fence).value());
    return Completion(std::move(jobs));
}

// Commands on a vsvm device: kernels on its compute engine, copies and fills
// on its copy engine, all in the process's address space (an SVM VM).
class DeviceBackend final : public Backend {
public:
    DeviceBackend(Device device, Vm vm, DeviceLimits limits)
        : device_(std::move(device)), vm_(std::move(vm)), compute_(vm_), copy_(vm_), limits_(std::move(limits))
    {
    }

    const DeviceLimits& limits() const override { return limits_; }

    ExecResult prepare(BuiltKernel& kernel) override
    {
        if (kernel.compiled.program.isaVersion > limits_.isaVersion)
            return {CL_BUILD_PROGRAM_FAILURE,
                    fmt::format("the kernel needs ISA version {}, the device runs up to {}",
                                kernel.compiled.program.isaVersion, limits_.isaVersion)};
        Result<Kernel> mapped = Kernel::fromProgram(kernel.compiled.program);
        if (!mapped)
            return {CL_BUILD_PROGRAM_FAILURE, mapped.status().message()};
        kernel.deviceKernel.emplace(std::move(mapped).value());
        return {};
    }

    Completion dispatch(const BuiltKernel& kernel, std::array<std::uint32_t, 3> groups,
                        std::array<std::uint32_t, 3> lanes, std::span<const std::uint64_t> args,
                        const Dependencies& after) override
    {
        if (!kernel.deviceKernel)
            return ExecResult{CL_OUT_OF_RESOURCES, "the kernel was not prepared for the device"};
        Dispatch d{.kernel = &*kernel.deviceKernel,
                   .groups = {groups[0], groups[1], groups[2]},
                   .lanes = {lanes[0], lanes[1], lanes[2]},
                   .args = {}};
        for (std::uint64_t a : args)
            d.args.pushBits(a);
        return submitted(compute_.submit({d}, after));
    }

    Completion copy(std::span<const CopyPiece> pieces, const Dependencies& after) override
    {
        std::vector<Fence> jobs;
        if (ExecResult submittedAll = submitCopies(pieces, after, jobs); submittedAll.status != CL_COMPLETE)
            return submittedAll;
        if (jobs.empty()) {
            waitFor(after);
            return {};
        }
        return Completion(std::move(jobs));
    }

    Completion fill(void* dst, const void* pattern, std::size_t patternSize, std::size_t size,
                    const Dependencies& after) override
    {
        if (size == 0) {
            waitFor(after);
            return {};
        }
        if (8 % patternSize != 0)
            return stagedFill(dst, pattern, patternSize, size, after);
        // The copy engine repeats 8 bytes.
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < 8; i += patternSize)
            std::memcpy(reinterpret_cast<unsigned char*>(&bits) + i, pattern, patternSize);
        return submitted(copy_.fill(dst, bits, size, after));
    }

private:
    static constexpr std::size_t kStagingBytes = std::size_t{1} << 20;

    // Submits a copy command per piece, in jobs of at most
    // DRM_VSVM_EXEC_MAX_CMDS commands, the first after @p after (the jobs of
    // the copy engine run in order). On failure, what was submitted has
    // ended when it returns.
    ExecResult submitCopies(std::span<const CopyPiece> pieces, const Dependencies& after, std::vector<Fence>& jobs)
    {
        std::vector<CopyCommand> commands;
        for (const CopyPiece& piece : pieces)
            if (piece.size)
                commands.push_back(CopyCommand::copy(piece.dst, piece.src, piece.size));
        for (std::size_t first = 0; first < commands.size(); first += DRM_VSVM_EXEC_MAX_CMDS) {
            std::size_t count = std::min<std::size_t>(DRM_VSVM_EXEC_MAX_CMDS, commands.size() - first);
            Result<Fence> job = copy_.submit(std::span(commands).subspan(first, count), jobs.empty() ? after
                                                                                                    : Dependencies{});
            if (!job) {
                // What was submitted still runs: the command ends after it.
                waitFor({jobs.begin(), jobs.end()});
                return ExecResult{CL_OUT_OF_RESOURCES, job.status().message()};
            }
            jobs.push_back(std::move(job).value());
        }
        return {};
    }

    // A pattern the copy engine cannot repeat (16 to 128 bytes): whole
    // repetitions of it in a staging buffer of this process, which the copy
    // engine copies over the destination piece by piece. The enqueue does
    // not wait; the buffer goes with the command's Completion.
    Completion stagedFill(void* dst, const void* pattern, std::size_t patternSize, std::size_t size,
                          const Dependencies& after)
    {
        const std::size_t chunk = std::min(size, kStagingBytes / patternSize * patternSize);
        std::shared_ptr<unsigned char[]> bytes(new (std::nothrow) unsigned char[chunk]);
        if (!bytes)
            return ExecResult{CL_OUT_OF_HOST_MEMORY, "no memory for the fill's pattern"};
        for (std::size_t at = 0; at < chunk; at += patternSize)
            std::memcpy(bytes.get() + at, pattern, patternSize);
        std::vector<CopyPiece> pieces;
        for (std::size_t at = 0; at < size; at += chunk)
            pieces.push_back({static_cast<unsigned char*>(dst) + at, bytes.get(), std::min(chunk, size - at)});
        std::vector<Fence> jobs;
        if (ExecResult submittedAll = submitCopies(pieces, after, jobs); submittedAll.status != CL_COMPLETE)
            return submittedAll;
        return Completion(std::move(jobs), std::shared_ptr<const void>(bytes, bytes.get()));
    }

    Device device_;
    Vm vm_;
    ComputeQueue compute_;
    CopyQueue copy_;
    DeviceLimits limits_;
};

std::unique_ptr<Backend> makeDeviceBackend(std::string& why)
{
    Result<Device> device = Device::open(std::size_t{0});
    if (!device) {
        why = device.status().message();
        return nullptr;
    }
    DeviceLimits limits;
    const DriverVersion& driver = device->driverVersion();
    limits.name = "vsvm (" + device->path() + ")";
    limits.driverVersion = fmt::format("{}.{}.{}", driver.major, driver.minor, driver.patchlevel);
    if (Result<std::uint64_t> engines = device->queryParam(DRM_VSVM_PARAM_COMPUTE_ENGINES); engines && *engines)
        limits.computeUnits = static_cast<cl_uint>(*engines);
    if (Result<std::uint64_t> isa = device->queryParam(DRM_VSVM_PARAM_ISA_VERSION); isa)
        limits.isaVersion = static_cast<cl_uint>(*isa);
    limits.globalMemSize = physicalMemory();
    limits.maxAllocSize = std::max<cl_ulong>(limits.globalMemSize / 4, cl_ulong{128} << 20);
    Result<Vm> vm = Vm::create(*device);
    if (!vm) {
        why = vm.status().message();
        return nullptr;
    }
    return std::make_unique<DeviceBackend>(std::move(device).value(), std::move(vm).value(), std::move(limits));
}

} // namespace

std::unique_ptr<Backend> makeBackend(std::string& why)
{
    const char* choice = std::getenv("VSVM_OPENCL_BACKEND");
    if (choice && std::string_view(choice) == "emu")
        return std::make_unique<EmuBackend>();
    return makeDeviceBackend(why);
}

} // namespace vsvm::opencl
