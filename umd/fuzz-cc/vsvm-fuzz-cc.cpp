// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// vsvm-fuzz-cc: differential fuzzing of the vsvm compiler. Each program of
// the generator (clgen.h) is compiled by the vsvm front end (and back end,
// when built), run on the chosen implementations over the same inputs, and
// their outputs compared byte for byte; a program on which they disagree is
// written to the output directory with its descriptor and every side's
// output.

#include <cctype>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "clgen.h"
#include "cli.h"
#include "vsvm/frontend.h"

#if VSVM_FUZZ_HAVE_ORACLE
#include "vsvm/oracle/oracle.h"
#endif
#if VSVM_FUZZ_HAVE_CC
#include "vsvm/cc.h"
#endif
#if VSVM_FUZZ_HAVE_CC && VSVM_FUZZ_HAVE_EMU
#include "vsvm/emu.h"
#endif

namespace {

using vsvm::clgen::Buffer;
using vsvm::clgen::Program;

/// The buffers of one run: their contents before and after.
struct Memory {
    std::vector<std::vector<std::uint8_t>> buffers;

    explicit Memory(const Program& program)
    {
        for (const Buffer& b : program.buffers) {
            buffers.push_back(vsvm::clgen::fillBuffer(b));
            // No zero-sized allocation: the kernel gets a real pointer.
            if (buffers.back().empty())
                buffers.back().resize(8);
        }
    }
};

/// A program and what the vsvm compiler made of it.
struct Compiled {
    const Program& program;
#if VSVM_FUZZ_HAVE_CC
    std::optional<vsvm::cc::CompiledKernel> kernel;
#else
    std::optional<int> kernel; // no back end: never set
#endif
};

/// An implementation that runs programs.
class Runner {
public:
    virtual ~Runner() = default;
    virtual std::string name() const = 0;
    /// Run @p compiled over @p memory. An error is a failed run (reason in its message).
    virtual vsvm::Status run(const Compiled& compiled, Memory& memory) = 0;
};

#if VSVM_FUZZ_HAVE_CC && VSVM_FUZZ_HAVE_EMU
/// The vsvm ISA program on the host emulator (the driver's interpreter).
class EmuRunner : public Runner {
public:
    std::string name() const override { return "emu"; }

    vsvm::Status run(const Compiled& compiled, Memory& memory) override
    {
        const Program& program = compiled.program;
        const vsvm::cc::CompiledKernel& kernel = *compiled.kernel;
        std::vector<std::uint64_t> args;
        std::vector<vsvm::emu::HostRange> ranges;
        for (std::size_t i = 0; i < memory.buffers.size(); ++i) {
            auto& bytes = memory.buffers[i];
            args.push_back(reinterpret_cast<std::uintptr_t>(bytes.data()));
            bool input = program.buffers[i].role == Buffer::Role::Input;
            ranges.push_back({bytes.data(), bytes.size(),
                              input ? vsvm::emu::Access::ReadOnly : vsvm::emu::Access::ReadWrite});
        }
        std::array<std::uint32_t, 3> groups{};
        std::uint64_t lanes = 1;
        for (int d = 0; d < 3; ++d) {
            groups[d] = program.globalSize[d] / program.localSize[d];
            lanes *= program.globalSize[d];
        }
        // The per-lane private stacks, a hidden argument after the others.
        std::vector<std::uint64_t> stacks;
        if (kernel.privateBytesPerLane) {
            stacks.resize((kernel.privateBytesPerLane * lanes + 7) / 8);
            args.push_back(reinterpret_cast<std::uintptr_t>(stacks.data()));
            ranges.push_back({stacks.data(), stacks.size() * 8, vsvm::emu::Access::ReadWrite});
        }
        vsvm::emu::Launch launch;
        launch.program = kernel.program.words;
        launch.entry = kernel.program.entry;
        launch.isaVersion = kernel.program.isaVersion;
        launch.groupSize = program.localSize;
        launch.numGroups = groups;
        launch.args = args;
        vsvm::emu::RunOptions options;
        // Every generated loop is bounded: far more than any program needs.
        options.maxInstructions = 200'000'000;
        auto result = vsvm::emu::run(launch, ranges, options);
        if (!result)
            return result.status();
        if (!result->ok())
            return vsvm::Status::error(EIO, fmt::format("emulator: {}", result->describe()));
        return {};
    }
};
#endif

#if VSVM_FUZZ_HAVE_ORACLE
class PoclRunner : public Runner {
public:
    static vsvm::Result<std::unique_ptr<Runner>> open()
    {
        auto oracle = vsvm::oracle::PoclOracle::open();
        if (!oracle)
            return oracle.status();
        auto runner = std::make_unique<PoclRunner>();
        runner->oracle_ = std::move(*oracle);
        return std::unique_ptr<Runner>(std::move(runner));
    }

    std::string name() const override { return "pocl"; }

    vsvm::Status run(const Compiled& compiled, Memory& memory) override
    {
        const Program& program = compiled.program;
        std::vector<vsvm::oracle::Arg> args;
        std::vector<vsvm::oracle::HostBuffer> buffers;
        for (auto& bytes : memory.buffers) {
            args.push_back(vsvm::oracle::Arg::pointer(bytes.data()));
            buffers.push_back({bytes.data(), bytes.size()});
        }
        vsvm::oracle::NDRange range;
        range.global = program.globalSize;
        range.local = program.localSize;
        return oracle_->run(program.source, program.buildOptions, program.entry, args, range, buffers);
    }

private:
    std::unique_ptr<vsvm::oracle::PoclOracle> oracle_;
};
#endif

struct Counts {
    unsigned programs = 0;
    unsigned disagreements = 0;
    unsigned compileErrors = 0;
    // Of them, the ones that are bugs rather than constructs the back end
    // refuses: the front end failing on a generated (valid) program, an
    // internal compiler error.
    unsigned hardErrors = 0;
    unsigned runErrors = 0;
    std::map<std::string, unsigned> compileReasons;
    std::map<std::string, unsigned> runReasons;
};

/// A short reason for a tally: the message up to its first details.
std::string reasonOf(const std::string& message)
{
    std::string reason = message.substr(0, message.find('\n'));
    // "kernel.cl: the OpenCL builtin x ..." -> without the file name.
    if (std::size_t colon = reason.find(".cl: "); colon != std::string::npos)
        reason = reason.substr(colon + 5);
    // Ids, words and offsets differ from program to program; the reason does not.
    std::string general;
    for (std::size_t i = 0; i < reason.size(); ++i) {
        if (std::isdigit(static_cast<unsigned char>(reason[i]))) {
            general += 'N';
            while (i + 1 < reason.size() && std::isdigit(static_cast<unsigned char>(reason[i + 1])))
                ++i;
        } else {
            general += reason[i];
        }
    }
    if (general.size() > 100)
        general = general.substr(0, 100);
    return general;
}

std::string reasonsText(const std::map<std::string, unsigned>& reasons)
{
    std::vector<std::string> parts;
    for (const auto& [reason, count] : reasons)
        parts.push_back(fmt::format("{} {}", reason, count));
    return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, "; "));
}

void writeFile(const std::filesystem::path& path, const void* data, std::size_t size)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

void saveProgram(const std::filesystem::path& dir, const Program& program, const std::string& why,
                 const std::vector<std::uint32_t>* spirv = nullptr)
{
    std::filesystem::create_directories(dir);
    // The front end's output too, for spirv-dis and the back end alone.
    if (spirv)
        writeFile(dir / "kernel.spv", spirv->data(), spirv->size() * 4);
    writeFile(dir / "kernel.cl", program.source.data(), program.source.size());
    std::string descriptor = program.descriptor();
    writeFile(dir / "descriptor.json", descriptor.data(), descriptor.size());
    writeFile(dir / "why.txt", why.data(), why.size());
}

/// A saved program: the buffers of the seed its descriptor names, the
/// source of its kernel.cl (which may have been reduced by hand since).
vsvm::Result<Program> loadReplay(const std::filesystem::path& dir)
{
    auto slurp = [](const std::filesystem::path& path) -> std::optional<std::string> {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            return std::nullopt;
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    auto source = slurp(dir / "kernel.cl");
    auto descriptor = slurp(dir / "descriptor.json");
    if (!source || !descriptor)
        return vsvm::Status::error(ENOENT, fmt::format("{}: no kernel.cl or descriptor.json", dir.string()));
    // The descriptor is ours (Program::descriptor()): its seed is all we need.
    const std::string key = "\"seed\": ";
    std::size_t at = descriptor->find(key);
    if (at == std::string::npos)
        return vsvm::Status::error(EINVAL, fmt::format("{}: descriptor.json has no seed", dir.string()));
    Program program = vsvm::clgen::generate(std::strtoull(descriptor->c_str() + at + key.size(), nullptr, 10));
    if (program.descriptor() != *descriptor)
        return vsvm::Status::error(EINVAL, fmt::format("{}: descriptor.json is not the one of seed {} with the "
                                                       "default options",
                                                       dir.string(), program.seed));
    program.source = std::move(*source);
    return program;
}

/// The first elements two runners disagree on.
void printDifferences(const Buffer& buffer, const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b,
                      const std::string& nameA, const std::string& nameB)
{
    const std::size_t size = vsvm::clgen::typeSize(buffer.type);
    unsigned shown = 0, differ = 0;
    for (std::size_t i = 0; i + size <= a.size() && i + size <= b.size(); i += size) {
        std::uint64_t x = 0, y = 0;
        std::memcpy(&x, a.data() + i, size);
        std::memcpy(&y, b.data() + i, size);
        if (x == y)
            continue;
        ++differ;
        if (shown++ < 16)
            fmt::print(stderr, "  {}[{}]: {} 0x{:x}, {} 0x{:x}\n", buffer.name, i / size, nameA, x, nameB, y);
    }
    fmt::print(stderr, "  {} of {} elements differ\n", differ, a.size() / size);
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Differential fuzzing of the vsvm compiler with random OpenCL C programs. Exit status 1 on a "
                 "disagreement, a run error, a front-end error or an internal compiler error; constructs the "
                 "back end refuses are counted by reason, not failures."};
    app.set_version_flag("--version", VSVM_VERSION);
    std::uint64_t seed = 1;
    unsigned count = 0;
    double duration = 0;
    bool print = false;
    bool pocl = false;
    bool emu = false;
    bool device = false;
    std::string outDir = "fuzz-cc-out";
    std::string clStd = "CL1.2";
    int optLevel = 2;
    app.add_option("--seed", seed, "Seed of the first program (the next ones: seed + 1, ...)");
    auto* countOption = app.add_option("--count", count, "Programs to generate")->check(CLI::PositiveNumber);
    app.add_option("--duration", duration, "Generate programs for this many seconds")
        ->check(CLI::PositiveNumber)
        ->excludes(countOption);
    app.add_flag("--print", print, "Only print each program and its descriptor");
    app.add_flag("--pocl", pocl, "Run on PoCL's CPU device (the oracle)");
    app.add_flag("--emu", emu, "Compile with vsvm_cc and run on the host emulator");
    app.add_flag("--device", device, "Compile with vsvm_cc and run on the vsvm device");
    bool backEnd = false;
    app.add_flag("--cc", backEnd, "Compile with vsvm_cc too (implied by --emu and --device)");
    bool simpleControlFlow = false;
    app.add_flag("--simple-cf", simpleControlFlow,
                 "Generate no early return, break or continue (loops with one exit)");
    app.add_option("--out", outDir, "Directory for the programs with disagreements or errors");
    app.add_option("--cl-std", clStd, "OpenCL C version")->check(CLI::IsMember({"CL1.2", "CL3.0"}));
    app.add_option("-O", optLevel, "Optimisation level of the front end")->check(CLI::IsMember({0, 2}));
    std::string replayDir;
    app.add_option("--replay", replayDir,
                   "Run the program saved in this directory (its kernel.cl, possibly edited, with the buffers of "
                   "the seed in its descriptor.json) and print the elements the runners disagree on")
        ->check(CLI::ExistingDirectory)
        ->excludes(countOption);
    if (auto status = vsvm::tools::parseCommandLine(app, argc, argv))
        return *status;
    std::optional<Program> replay;
    if (!replayDir.empty()) {
        auto loaded = loadReplay(replayDir);
        if (!loaded) {
            fmt::print(stderr, "vsvm-fuzz-cc: --replay: {}\n", loaded.status().message());
            return 1;
        }
        replay = std::move(*loaded);
        seed = replay->seed;
        count = 1;
        duration = 0;
    }
    if (count == 0 && duration == 0)
        count = 1;
#if !VSVM_FUZZ_HAVE_CC
    if (backEnd) {
        fmt::print(stderr, "vsvm-fuzz-cc: --cc: built without the back end (vsvm_cc)\n");
        return 1;
    }
#endif

    std::vector<std::unique_ptr<Runner>> runners;
    if (pocl) {
#if VSVM_FUZZ_HAVE_ORACLE
        auto runner = PoclRunner::open();
        if (!runner) {
            fmt::print(stderr, "vsvm-fuzz-cc: --pocl: {}\n", runner.status().message());
            return 1;
        }
        runners.push_back(std::move(*runner));
#else
        fmt::print(stderr, "vsvm-fuzz-cc: --pocl: built without the oracle library (vsvm_oracle)\n");
        return 1;
#endif
    }
    if (emu) {
#if VSVM_FUZZ_HAVE_CC && VSVM_FUZZ_HAVE_EMU
        runners.insert(runners.begin(), std::make_unique<EmuRunner>());
#else
        fmt::print(stderr, "vsvm-fuzz-cc: --emu: built without the back end (vsvm_cc) or the emulator (vsvm_emu)\n");
        return 1;
#endif
    }
    if (device) {
        // Not yet: the runner over libvsvm (Device, Vm, Queue) is missing.
        fmt::print(stderr, "vsvm-fuzz-cc: --device: not implemented yet (use --emu)\n");
        return 1;
    }

    Counts counts;
    const auto start = std::chrono::steady_clock::now();
    auto more = [&](unsigned done) {
        if (count)
            return done < count;
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < duration;
    };
    for (unsigned done = 0; more(done); ++done) {
        const std::uint64_t programSeed = seed + done;
        vsvm::clgen::Options generatorOptions;
        if (simpleControlFlow) {
            generatorOptions.earlyReturn = false;
            generatorOptions.loopExits = false;
        }
        Program program = replay ? *replay : vsvm::clgen::generate(programSeed, generatorOptions);
        ++counts.programs;
        if (print) {
            fmt::print("// ---- descriptor\n/*\n{}*/\n{}\n", program.descriptor(), program.source);
            continue;
        }
        const std::filesystem::path dir = std::filesystem::path(outDir) / fmt::format("seed-{}", programSeed);

        // The front end: every generated program must compile.
        vsvm::frontend::OpenclOptions options;
        options.clStd = clStd;
        options.optLevel = optLevel;
        options.sourceName = fmt::format("seed-{}.cl", programSeed);
        // PoCL gets the same options as one string.
        for (std::size_t at = 0; at < program.buildOptions.size();) {
            std::size_t end = program.buildOptions.find(' ', at);
            if (end == std::string::npos)
                end = program.buildOptions.size();
            if (end > at)
                options.buildOptions.push_back(program.buildOptions.substr(at, end - at));
            at = end + 1;
        }
        auto module = vsvm::frontend::openclToSpirv(program.source, options);
        if (!module) {
            ++counts.compileErrors;
            ++counts.hardErrors;
            ++counts.compileReasons["frontend: " + reasonOf(module.status().message())];
            saveProgram(dir, program, module.status().message());
            continue;
        }

        Compiled compiled{program, {}};
#if VSVM_FUZZ_HAVE_CC
        // The back end: an unsupported construct is a compile error, counted
        // by reason; only a wrong result is a disagreement.
        if (emu || backEnd) {
            vsvm::cc::Options ccOptions;
            ccOptions.optLevel = optLevel;
            std::vector<vsvm::cc::Diagnostic> diagnostics;
            auto kernel = vsvm::cc::compile(module->words, ccOptions, &diagnostics);
            if (!kernel) {
                ++counts.compileErrors;
                std::string message = kernel.status().message();
                if (std::size_t at = message.find("error: "); at != std::string::npos)
                    message = message.substr(at + 7);
                ++counts.compileReasons["backend: " + reasonOf(message)];
                if (message.find("internal compiler error") != std::string::npos)
                    ++counts.hardErrors;
                saveProgram(dir, program, kernel.status().message(), &module->words);
                continue;
            }
            compiled.kernel = std::move(*kernel);
        }
#endif

        // Every implementation over its own copy of the same inputs.
        std::vector<Memory> results;
        std::vector<std::string> names;
        bool failed = false;
        for (auto& runner : runners) {
            Memory memory(program);
            vsvm::Status status = runner->run(compiled, memory);
            if (!status.ok()) {
                ++counts.runErrors;
                ++counts.runReasons[runner->name() + ": " + reasonOf(status.message())];
                saveProgram(dir, program, fmt::format("{}: {}", runner->name(), status.message()), &module->words);
                failed = true;
                break;
            }
            results.push_back(std::move(memory));
            names.push_back(runner->name());
        }
        if (failed)
            continue;
        for (std::size_t r = 1; r < results.size(); ++r) {
            for (std::size_t b = 0; b < program.buffers.size(); ++b) {
                if (results[r].buffers[b] != results[0].buffers[b]) {
                    ++counts.disagreements;
                    std::string why = fmt::format("{} and {} disagree on buffer {}", names[0], names[r],
                                                  program.buffers[b].name);
                    saveProgram(dir, program, why, &module->words);
                    for (std::size_t k = 0; k < results.size(); ++k)
                        writeFile(dir / fmt::format("{}.{}.bin", program.buffers[b].name, names[k]),
                                  results[k].buffers[b].data(), results[k].buffers[b].size());
                    fmt::print(stderr, "seed {}: {}\n", programSeed, why);
                    if (replay)
                        printDifferences(program.buffers[b], results[0].buffers[b], results[r].buffers[b],
                                         names[0], names[r]);
                    r = results.size();
                    break;
                }
            }
        }
    }
    if (!print) {
        fmt::print("runners: {}\n", runners.empty() ? std::string("none (front end only)") : [&] {
            std::vector<std::string> n;
            for (auto& r : runners)
                n.push_back(r->name());
            return fmt::format("{}", fmt::join(n, ", "));
        }());
        if (counts.runErrors)
            fmt::print("run errors {} (by reason: {})\n", counts.runErrors, reasonsText(counts.runReasons));
    }
    fmt::print("programs {}, disagreements {}, compile errors {} (by reason: {})\n", counts.programs,
               counts.disagreements, counts.compileErrors, reasonsText(counts.compileReasons));
    // A construct the back end refuses is a clear compile error, counted by
    // reason above; what fails the run is a wrong result or a bug.
    return counts.disagreements || counts.hardErrors || counts.runErrors ? 1 : 0;
}
