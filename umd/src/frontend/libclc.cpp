// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Linking the OpenCL builtins from libclc.
//
// llvm-spirv-14 turns every OpenCL builtin call it knows into an OpenCL.std
// extended instruction (OpExtInst exp), and has no option to keep them as
// calls: --spirv-ext only chooses SPIR-V extensions, and an undeclared
// builtin is still recognised by its mangled name. So the calls are made
// here, word by word: each OpExtInst the back end does not implement itself
// becomes an OpFunctionCall of an Import-linkage declaration named as libclc
// exports the function (its Itanium-mangled OpenCL C name, _Z3expf), and
// spvtools::Link resolves the declarations against libclc's SPIR-V library.
//
// libclc's own functions use OpExtInst too (sinh calls exp that way), so the
// library is rewritten the same way once per process, its extended
// instructions becoming direct calls of its own functions. After linking,
// SPIRV-Tools' dead-function, dead-constant and dead-variable passes and a
// pass of ours for the types nobody uses leave only what the kernels reach,
// and the capabilities only libclc needed are dropped again.

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <spirv-tools/libspirv.hpp>
#include <spirv-tools/linker.hpp>
#include <spirv-tools/optimizer.hpp>
#include <spirv/unified1/spirv.hpp11>

#include "frontend/spirv_module.h"
#include "vsvm/frontend.h"

namespace vsvm::frontend {

namespace {

using detail::Instruction;
using detail::makeInstruction;
using detail::SpirvModule;

constexpr std::uint32_t op(spv::Op opcode) { return static_cast<std::uint32_t>(opcode); }

const std::unordered_map<std::uint32_t, std::string_view>& openclStdNames()
{
    static const std::unordered_map<std::uint32_t, std::string_view> names{
#include "opencl_std_names.inc"
    };
    return names;
}

std::string_view extInstName(std::uint32_t number)
{
    auto it = openclStdNames().find(number);
    return it == openclStdNames().end() ? std::string_view() : it->second;
}

struct TypeInfo {
    std::uint32_t opcode = 0;
    std::uint32_t width = 0;   // int, float
    std::uint32_t count = 0;   // vector
    std::uint32_t element = 0; // vector, pointer
    std::uint32_t storage = 0; // pointer
};

/// What the rewrite needs to know about a module.
struct ModuleIndex {
    std::unordered_map<std::uint32_t, TypeInfo> types;
    std::unordered_map<std::uint32_t, std::uint32_t> typeOf;
    std::unordered_map<std::uint32_t, std::uint32_t> genericCastSource;
    std::unordered_set<std::uint32_t> openclSets;
    std::map<std::string, std::uint32_t> exports;
    std::map<std::string, std::uint32_t> imports;
    std::unordered_map<std::uint32_t, std::string> linkageName;

    explicit ModuleIndex(const SpirvModule& module)
    {
        for (const Instruction& inst : module.instructions) {
            const auto& w = inst.words;
            switch (static_cast<spv::Op>(inst.opcode())) {
            case spv::Op::OpTypeInt:
            case spv::Op::OpTypeFloat:
                types[w[1]] = TypeInfo{inst.opcode(), w[2], 0, 0, 0};
                break;
            case spv::Op::OpTypeVector:
                types[w[1]] = TypeInfo{inst.opcode(), 0, w[3], w[2], 0};
                break;
            case spv::Op::OpTypePointer:
                types[w[1]] = TypeInfo{inst.opcode(), 0, 0, w[3], w[2]};
                break;
            case spv::Op::OpTypeVoid:
            case spv::Op::OpTypeBool:
                types[w[1]] = TypeInfo{inst.opcode(), 0, 0, 0, 0};
                break;
            case spv::Op::OpExtInstImport:
                if (inst.string(2) == "OpenCL.std")
                    openclSets.insert(w[1]);
                break;
            case spv::Op::OpPtrCastToGeneric:
                genericCastSource[w[2]] = w[3];
                break;
            case spv::Op::OpDecorate:
                if (w.size() > 3 && w[2] == detail::kLinkageAttributes) {
                    std::string name = inst.string(3);
                    std::size_t after = inst.afterString(3);
                    if (after < w.size()) {
                        (w[after] == detail::kLinkageExport ? exports : imports)[name] = w[1];
                        linkageName[w[1]] = name;
                    }
                }
                break;
            default:
                break;
            }
            if (std::uint32_t type = inst.typeId())
                typeOf[inst.resultId()] = type;
        }
    }
};

// ---------------------------------------------------------------------------
// Itanium mangling of the OpenCL C builtins' names, as clang gives them and
// libclc exports them: _Z3powDv2_fS_, _Z5fractfPU3AS1f, _Z6vload4mPU3AS1Kf.

class Mangler {
public:
    Mangler(const ModuleIndex& index, std::vector<bool> intSigned, bool constPointee)
        : index_(index), intSigned_(std::move(intSigned)), constPointee_(constPointee)
    {
    }

    /// The encoding of @p type, or nullopt for a type no builtin takes.
    std::optional<std::string> encode(std::uint32_t type)
    {
        std::string full;
        std::optional<std::string> emitted = encode(type, full);
        return emitted;
    }

private:
    // Returns what is emitted; sets @p full to the unsubstituted encoding,
    // which is what substitutions compare.
    std::optional<std::string> encode(std::uint32_t type, std::string& full)
    {
        auto it = index_.types.find(type);
        if (it == index_.types.end())
            return std::nullopt;
        const TypeInfo& info = it->second;
        switch (static_cast<spv::Op>(info.opcode)) {
        case spv::Op::OpTypeInt: {
            bool isSigned = nextIntSigned();
            const char* code = nullptr;
            switch (info.width) {
            case 8: code = isSigned ? "c" : "h"; break;
            case 16: code = isSigned ? "s" : "t"; break;
            case 32: code = isSigned ? "i" : "j"; break;
            case 64: code = isSigned ? "l" : "m"; break;
            default: return std::nullopt;
            }
            full = code;
            return full;
        }
        case spv::Op::OpTypeFloat:
            full = info.width == 16 ? "Dh" : info.width == 32 ? "f" : info.width == 64 ? "d" : "";
            if (full.empty())
                return std::nullopt;
            return full;
        case spv::Op::OpTypeVector: {
            std::string element;
            if (!encode(info.element, element))
                return std::nullopt;
            full = fmt::format("Dv{}_{}", info.count, element);
            return substitute(full, full);
        }
        case spv::Op::OpTypePointer: {
            std::string qualifiers;
            switch (static_cast<spv::StorageClass>(info.storage)) {
            case spv::StorageClass::Function: break;
            case spv::StorageClass::CrossWorkgroup: qualifiers = "U3AS1"; break;
            case spv::StorageClass::UniformConstant: qualifiers = "U3AS2"; break;
            case spv::StorageClass::Workgroup: qualifiers = "U3AS3"; break;
            case spv::StorageClass::Generic: qualifiers = "U3AS4"; break;
            default: return std::nullopt;
            }
            if (constPointee_)
                qualifiers += "K";
            std::string pointeeFull;
            std::optional<std::string> pointee = encode(info.element, pointeeFull);
            if (!pointee)
                return std::nullopt;
            std::string qualifiedFull = qualifiers + pointeeFull;
            std::string qualified =
                qualifiers.empty() ? *pointee : substitute(qualifiedFull, qualifiers + *pointee);
            full = "P" + qualifiedFull;
            return substitute(full, "P" + qualified);
        }
        default:
            return std::nullopt;
        }
    }

    /// A substitutable component: a reference if it was seen, else @p emitted.
    std::string substitute(const std::string& full, const std::string& emitted)
    {
        auto seen = std::find(substitutions_.begin(), substitutions_.end(), full);
        if (seen != substitutions_.end()) {
            std::size_t index = static_cast<std::size_t>(seen - substitutions_.begin());
            return index == 0 ? "S_" : fmt::format("S{}_", base36(index - 1));
        }
        substitutions_.push_back(full);
        return emitted;
    }

    static std::string base36(std::size_t value)
    {
        const char* digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        std::string text;
        do {
            text.insert(text.begin(), digits[value % 36]);
            value /= 36;
        } while (value);
        return text;
    }

    bool nextIntSigned()
    {
        bool value = intIndex_ < intSigned_.size() ? intSigned_[intIndex_] : true;
        ++intIndex_;
        return value;
    }

    const ModuleIndex& index_;
    std::vector<bool> intSigned_;
    bool constPointee_;
    std::size_t intIndex_ = 0;
    std::vector<std::string> substitutions_;
};

/// How many integer leaves the encoding of @p type has (for the sign choices).
std::size_t intLeaves(const ModuleIndex& index, std::uint32_t type)
{
    auto it = index.types.find(type);
    if (it == index.types.end())
        return 0;
    switch (static_cast<spv::Op>(it->second.opcode)) {
    case spv::Op::OpTypeInt: return 1;
    case spv::Op::OpTypeVector:
    case spv::Op::OpTypePointer: return intLeaves(index, it->second.element);
    default: return 0;
    }
}

bool hasPointer(const ModuleIndex& index, const std::vector<std::uint32_t>& types)
{
    return std::any_of(types.begin(), types.end(), [&](std::uint32_t type) {
        auto it = index.types.find(type);
        return it != index.types.end() && it->second.opcode == op(spv::Op::OpTypePointer);
    });
}

/// A call that replaces an OpExtInst.
struct Call {
    std::string name;                 // mangled
    std::uint32_t resultType = 0;
    std::vector<std::uint32_t> args;  // ids
    std::vector<std::uint32_t> paramTypes;
};

std::string typeText(const ModuleIndex& index, std::uint32_t type)
{
    auto it = index.types.find(type);
    if (it == index.types.end())
        return "?";
    const TypeInfo& info = it->second;
    switch (static_cast<spv::Op>(info.opcode)) {
    case spv::Op::OpTypeInt: return fmt::format("i{}", info.width);
    case spv::Op::OpTypeFloat: return fmt::format("f{}", info.width);
    case spv::Op::OpTypeVector: return fmt::format("{}x{}", typeText(index, info.element), info.count);
    case spv::Op::OpTypePointer: return fmt::format("{}*", typeText(index, info.element));
    default: return "?";
    }
}

/**
 * The libclc function for the OpExtInst @p inst named @p name, checked
 * against @p exists (the library's exports). ENOEXEC with the names tried if
 * libclc has none.
 */
Result<Call> libclcCall(const Instruction& inst, std::string_view name, const ModuleIndex& index,
                        const std::function<bool(const std::string&)>& exists)
{
    const auto& w = inst.words;
    Call call;
    call.resultType = w[1];
    std::vector<std::uint32_t> ids(w.begin() + 5, w.end());
    std::string clName(name);
    bool constPointer = false;
    bool preferUnsigned = false;

    auto literalCount = [&]() -> std::optional<std::uint32_t> {
        if (ids.empty())
            return std::nullopt;
        std::uint32_t n = ids.back();
        ids.pop_back();
        return n;
    };
    auto vectorCount = [&](std::uint32_t id) -> std::uint32_t {
        auto type = index.types.find(index.typeOf.count(id) ? index.typeOf.at(id) : 0);
        return type != index.types.end() && type->second.opcode == op(spv::Op::OpTypeVector) ? type->second.count
                                                                                             : 1;
    };

    if (name == "prefetch")
        return Status::error(ENOEXEC, fmt::format("the OpenCL builtin {} is not supported", name));
    if (name == "vstore_half_r" || name == "vstore_halfn_r" || name == "vstorea_halfn_r") {
        // The rounding mode is a literal last operand; libclc names it:
        // vstore_half4_rtz, vstorea_half2_rtn...
        static constexpr const char* kModes[] = {"rte", "rtz", "rtp", "rtn"};
        std::optional<std::uint32_t> mode = literalCount();
        if (!mode || *mode >= std::size(kModes) || ids.empty())
            return Status::error(ENOEXEC, fmt::format("malformed OpExtInst {}", name));
        std::string_view base = name.substr(0, name.size() - 2);
        if (base.ends_with("n"))
            clName = fmt::format("{}{}_{}", base.substr(0, base.size() - 1), vectorCount(ids[0]), kModes[*mode]);
        else
            clName = fmt::format("{}_{}", base, kModes[*mode]);
    } else if (name == "vloadn" || name == "vload_halfn" || name == "vloada_halfn") {
        std::optional<std::uint32_t> n = literalCount();
        if (!n)
            return Status::error(ENOEXEC, fmt::format("malformed OpExtInst {}", name));
        clName = fmt::format("{}{}", name.substr(0, name.size() - 1), *n);
        constPointer = true;
    } else if (name == "vload_half") {
        constPointer = true;
    } else if (name == "vstoren" || name == "vstore_halfn" || name == "vstorea_halfn") {
        if (ids.empty())
            return Status::error(ENOEXEC, fmt::format("malformed OpExtInst {}", name));
        clName = fmt::format("{}{}", name.substr(0, name.size() - 1), vectorCount(ids[0]));
    } else if (name == "fclamp") {
        clName = "clamp";
    } else if (name == "fmax_common") {
        clName = "max";
    } else if (name == "fmin_common") {
        clName = "min";
    } else if (name == "native_powr") {
        // libclc has no native_powr; native_ functions may be as precise as
        // the others.
        clName = "powr";
    } else if (name.starts_with("s_") || name.starts_with("u_")) {
        preferUnsigned = name[0] == 'u';
        clName = std::string(name.substr(2));
    }

    // libclc 14 has no generic-address-space overloads: pass the pointer
    // that OpenCL 3.0 code cast to generic, whose address space is known.
    for (std::uint32_t& id : ids) {
        auto cast = index.genericCastSource.find(id);
        if (cast != index.genericCastSource.end())
            id = cast->second;
    }
    for (std::uint32_t id : ids) {
        auto type = index.typeOf.find(id);
        if (type == index.typeOf.end())
            return Status::error(ENOEXEC, fmt::format("OpExtInst {}: operand %{} has no type", name, id));
        call.paramTypes.push_back(type->second);
    }
    call.args = ids;

    std::size_t leaves = 0;
    for (std::uint32_t type : call.paramTypes)
        leaves += intLeaves(index, type);
    if (leaves > 4)
        return Status::error(ENOEXEC, fmt::format("OpExtInst {}: too many integer operands", name));
    // The sign choices in order of likelihood: the instruction's own first,
    // then all the others (upsample mixes a signed and an unsigned operand).
    std::vector<std::uint32_t> masks;
    std::uint32_t all = (1u << leaves) - 1;
    masks.push_back(preferUnsigned ? 0 : all);
    masks.push_back(preferUnsigned ? all : 0);
    for (std::uint32_t mask = 1; mask < all; ++mask)
        masks.push_back(mask);

    std::vector<std::string> tried;
    std::vector<bool> constChoices{constPointer};
    if (hasPointer(index, call.paramTypes))
        constChoices.push_back(!constPointer);
    for (bool constPointee : constChoices) {
        for (std::uint32_t mask : masks) {
            std::vector<bool> signs;
            for (std::size_t i = 0; i < leaves; ++i)
                signs.push_back((mask >> i) & 1);
            Mangler mangler(index, signs, constPointee);
            std::string mangled = fmt::format("_Z{}{}", clName.size(), clName);
            bool encodable = true;
            for (std::uint32_t type : call.paramTypes) {
                std::optional<std::string> code = mangler.encode(type);
                if (!code) {
                    encodable = false;
                    break;
                }
                mangled += *code;
            }
            if (!encodable)
                break;
            if (exists(mangled)) {
                call.name = mangled;
                return call;
            }
            if (std::find(tried.begin(), tried.end(), mangled) == tried.end())
                tried.push_back(mangled);
        }
    }
    std::vector<std::string> operandTypes;
    for (std::uint32_t type : call.paramTypes)
        operandTypes.push_back(typeText(index, type));
    return Status::error(ENOEXEC, fmt::format("the OpenCL builtin {}({}) is not implemented by the back end and libclc "
                                              "has no such function (tried {})",
                                              clName, fmt::join(operandTypes, ", "),
                                              tried.empty() ? "none" : fmt::format("{}", fmt::join(tried, ", "))));
}

bool isPreamble(std::uint32_t opcode)
{
    switch (static_cast<spv::Op>(opcode)) {
    case spv::Op::OpCapability:
    case spv::Op::OpExtension:
    case spv::Op::OpExtInstImport:
    case spv::Op::OpMemoryModel:
    case spv::Op::OpEntryPoint:
    case spv::Op::OpExecutionMode:
    case spv::Op::OpExecutionModeId:
    case spv::Op::OpString:
    case spv::Op::OpSourceExtension:
    case spv::Op::OpSource:
    case spv::Op::OpSourceContinued:
    case spv::Op::OpName:
    case spv::Op::OpMemberName:
    case spv::Op::OpModuleProcessed:
    case spv::Op::OpDecorate:
    case spv::Op::OpMemberDecorate:
    case spv::Op::OpDecorationGroup:
    case spv::Op::OpGroupDecorate:
    case spv::Op::OpGroupMemberDecorate:
    case spv::Op::OpDecorateId:
    case spv::Op::OpDecorateString:
    case spv::Op::OpMemberDecorateString:
        return true;
    default:
        return false;
    }
}

std::size_t firstFunction(const SpirvModule& module)
{
    for (std::size_t i = 0; i < module.instructions.size(); ++i) {
        if (module.instructions[i].opcode() == op(spv::Op::OpFunction))
            return i;
    }
    return module.instructions.size();
}

/// Where the calls go: a function id for a mangled name.
using CalleeFor = std::function<std::uint32_t(const Call& call, std::uint32_t enclosingFunction)>;

/**
 * Replace the non-native OpenCL.std instructions of @p module by calls of
 * calleeFor(); one that calleeFor() maps to 0 stays.
 */
Status rewriteExtInsts(SpirvModule& module, const ModuleIndex& index, const NativeExtInstPredicate& native,
                       const std::function<bool(const std::string&)>& exists, const CalleeFor& calleeFor,
                       bool keepUnresolved = false)
{
    std::uint32_t function = 0;
    for (Instruction& inst : module.instructions) {
        if (inst.opcode() == op(spv::Op::OpFunction))
            function = inst.words[2];
        if (inst.opcode() != op(spv::Op::OpExtInst) || !index.openclSets.count(inst.words[3]))
            continue;
        std::string_view name = extInstName(inst.words[4]);
        if (name.empty())
            return Status::error(ENOEXEC, fmt::format("unknown OpenCL.std instruction {}", inst.words[4]));
        if (native(name))
            continue;
        Result<Call> call = libclcCall(inst, name, index, exists);
        if (!call && keepUnresolved)
            continue;
        if (!call)
            return call.status();
        std::uint32_t callee = calleeFor(*call, function);
        if (callee == 0)
            continue;
        std::vector<std::uint32_t> operands{call->resultType, inst.words[2], callee};
        operands.insert(operands.end(), call->args.begin(), call->args.end());
        inst = makeInstruction(op(spv::Op::OpFunctionCall), std::move(operands));
    }
    return {};
}

/// libclc, rewritten so that its extended instructions call its own functions.
struct Library {
    SpirvModule module;
    std::set<std::string> exports;
    std::map<std::string, std::uint32_t> exportIds;
};

Result<std::shared_ptr<const Library>> prepareLibrary(const std::string& path, const NativeExtInstPredicate& native)
{
    Result<std::vector<std::uint32_t>> words = loadSpirv(path);
    if (!words) {
        return Status::error(words.status().errnum(),
                             fmt::format("libclc's SPIR-V library: {} (Debian package libclc-14)",
                                         words.status().message()));
    }
    Result<SpirvModule> module = SpirvModule::parse(*words);
    if (!module)
        return module.status().withContext(path);
    ModuleIndex index(*module);
    auto library = std::make_shared<Library>();
    for (const auto& [name, id] : index.exports)
        library->exports.insert(name);
    auto exists = [&](const std::string& name) { return index.exports.count(name) != 0; };
    Status status = rewriteExtInsts(*module, index, native, exists, [&](const Call& call, std::uint32_t enclosing) {
        std::uint32_t callee = index.exports.at(call.name);
        // A function that implements itself with its own instruction keeps it:
        // calling itself would never end.
        return callee == enclosing ? 0u : callee;
    }, /*keepUnresolved=*/true);
    // (libclc uses instructions it has no function for, such as rsqrt: they
    // stay, and are an error only in a kernel that reaches them.)
    if (!status.ok())
        return status.withContext(path);
    library->exportIds = index.exports;
    library->module = std::move(*module);
    return std::shared_ptr<const Library>(std::move(library));
}

Result<std::shared_ptr<const Library>> library(const OpenclOptions& options)
{
    if (options.native)
        return prepareLibrary(options.libclcPath, options.native);
    // The default back end's library is rewritten once per process.
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const Library>> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(options.libclcPath);
    if (it != cache.end())
        return it->second;
    Result<std::shared_ptr<const Library>> prepared = prepareLibrary(options.libclcPath, isNativeExtInst);
    if (prepared)
        cache.emplace(options.libclcPath, *prepared);
    return prepared;
}

/**
 * The part of libclc that the functions @p names need: those functions, the
 * functions they call, and the globals, types and constants these use.
 * Linking and optimising 2.5 MB of library for each kernel would take
 * seconds; this takes milliseconds.
 */
Result<std::vector<std::uint32_t>> extractFunctions(const Library& library, const std::set<std::string>& names)
{
    const auto& insts = library.module.instructions;
    // Functions: [first, end) instruction ranges and their callees.
    struct Range {
        std::size_t first = 0, end = 0;
        std::vector<std::uint32_t> callees;
    };
    std::unordered_map<std::uint32_t, Range> functions;
    for (std::size_t i = 0; i < insts.size(); ++i) {
        if (insts[i].opcode() != op(spv::Op::OpFunction))
            continue;
        Range range;
        range.first = i;
        std::uint32_t id = insts[i].words[2];
        while (i < insts.size() && insts[i].opcode() != op(spv::Op::OpFunctionEnd)) {
            if (insts[i].opcode() == op(spv::Op::OpFunctionCall))
                range.callees.push_back(insts[i].words[3]);
            ++i;
        }
        range.end = i + 1;
        functions[id] = std::move(range);
    }
    std::unordered_set<std::uint32_t> keep;
    std::vector<std::uint32_t> work;
    for (const std::string& name : names) {
        auto it = library.exportIds.find(name);
        if (it != library.exportIds.end())
            work.push_back(it->second);
    }
    while (!work.empty()) {
        std::uint32_t id = work.back();
        work.pop_back();
        if (!keep.insert(id).second)
            continue;
        auto it = functions.find(id);
        if (it != functions.end())
            work.insert(work.end(), it->second.callees.begin(), it->second.callees.end());
    }
    // The ids defined in the functions that go: their names and decorations go too.
    std::unordered_set<std::uint32_t> gone;
    for (const auto& [id, range] : functions) {
        if (keep.count(id))
            continue;
        for (std::size_t i = range.first; i < range.end; ++i) {
            if (std::uint32_t result = insts[i].resultId())
                gone.insert(result);
        }
    }
    SpirvModule part;
    part.version = library.module.version;
    part.generator = library.module.generator;
    part.bound = library.module.bound;
    for (std::size_t i = 0; i < insts.size();) {
        const Instruction& inst = insts[i];
        if (inst.opcode() == op(spv::Op::OpFunction)) {
            const Range& range = functions.at(inst.words[2]);
            if (keep.count(inst.words[2]))
                part.instructions.insert(part.instructions.end(), insts.begin() + static_cast<std::ptrdiff_t>(i),
                                         insts.begin() + static_cast<std::ptrdiff_t>(range.end));
            i = range.end;
            continue;
        }
        switch (static_cast<spv::Op>(inst.opcode())) {
        case spv::Op::OpName:
        case spv::Op::OpDecorate:
        case spv::Op::OpMemberDecorate:
            if (gone.count(inst.words[1])) {
                ++i;
                continue;
            }
            break;
        default:
            break;
        }
        part.instructions.push_back(inst);
        ++i;
    }
    if (Status status = detail::removeUnusedGlobals(part); !status.ok())
        return status;
    return part.serialize();
}

/// Keep the capabilities of the kernel's own module, and those the types of
/// the linked module need; libclc declares many (Float64, Vector16...) that
/// a kernel using only its float functions does not.
void trimCapabilities(SpirvModule& module, const std::set<std::uint32_t>& original)
{
    std::set<std::uint32_t> needed = original;
    bool linkage = false;
    for (const Instruction& inst : module.instructions) {
        const auto& w = inst.words;
        switch (static_cast<spv::Op>(inst.opcode())) {
        case spv::Op::OpTypeFloat:
            if (w[2] == 64)
                needed.insert(static_cast<std::uint32_t>(spv::Capability::Float64));
            if (w[2] == 16)
                needed.insert(static_cast<std::uint32_t>(spv::Capability::Float16Buffer));
            break;
        case spv::Op::OpTypeInt:
            if (w[2] == 8)
                needed.insert(static_cast<std::uint32_t>(spv::Capability::Int8));
            if (w[2] == 16)
                needed.insert(static_cast<std::uint32_t>(spv::Capability::Int16));
            if (w[2] == 64)
                needed.insert(static_cast<std::uint32_t>(spv::Capability::Int64));
            break;
        case spv::Op::OpTypeVector:
            if (w[3] > 4)
                needed.insert(static_cast<std::uint32_t>(spv::Capability::Vector16));
            break;
        case spv::Op::OpDecorate:
            if (w.size() > 2 && w[2] == detail::kLinkageAttributes)
                linkage = true;
            break;
        default:
            break;
        }
    }
    if (linkage)
        needed.insert(static_cast<std::uint32_t>(spv::Capability::Linkage));
    std::erase_if(module.instructions, [&](const Instruction& inst) {
        return inst.opcode() == op(spv::Op::OpCapability) && !needed.count(inst.words[1]);
    });
    std::set<std::uint32_t> present;
    for (const Instruction& inst : module.instructions) {
        if (inst.opcode() == op(spv::Op::OpCapability))
            present.insert(inst.words[1]);
    }
    std::size_t at = 0;
    for (std::uint32_t capability : needed) {
        if (!present.count(capability))
            module.instructions.insert(module.instructions.begin() + static_cast<std::ptrdiff_t>(at++),
                                       makeInstruction(op(spv::Op::OpCapability), {capability}));
    }
}

std::string spirvToolsMessages(const std::vector<std::string>& messages)
{
    return messages.empty() ? std::string("no message") : fmt::format("{}", fmt::join(messages, "; "));
}

} // namespace

bool isNativeExtInst(std::string_view name)
{
    // What vsvm_cc's lowering maps to ISA instructions (umd/src/cc/lower.cpp).
    static const std::unordered_set<std::string_view> native{
        "sqrt",   "native_sqrt", "rsqrt",   "native_rsqrt", "fabs",  "floor", "ceil",     "trunc",
        "rint",   "fma",         "mad",     "fmin",         "fmax",  "fclamp", "s_min",   "u_min",
        "s_max",  "u_max",       "s_clamp", "u_clamp",      "s_abs", "u_abs", "copysign", "s_mul_hi",
        "u_mul_hi", "clz",       "ctz",     "popcount", "rotate",
        // libclc's SPIR-V library leaves these to the consumer (it has no
        // function for them, and its own mad_sat, ldexp, tan... use them).
        "s_add_sat", "u_add_sat", "s_sub_sat", "u_sub_sat", "s_hadd", "u_hadd", "s_rhadd", "u_rhadd",
        "s_mad_hi", "u_mad_hi", "s_mad_sat", "u_mad_sat", "s_abs_diff", "u_abs_diff", "s_upsample", "u_upsample",
        "s_mul24", "u_mul24", "s_mad24", "u_mad24", "bitselect", "select", "shuffle", "shuffle2",
        "round", "nextafter", "minmag", "maxmag", "fdim", "native_divide", "native_recip",
        // A record in the launch's printf buffer (cc.h).
        "printf",
    };
    return native.count(name) != 0;
}

Result<std::vector<std::uint32_t>> linkLibclc(std::vector<std::uint32_t> words, const OpenclOptions& options)
{
    const NativeExtInstPredicate& native = options.native ? options.native : NativeExtInstPredicate(isNativeExtInst);
    Result<SpirvModule> parsed = SpirvModule::parse(words);
    if (!parsed)
        return parsed.status();
    SpirvModule& module = *parsed;
    ModuleIndex index(module);
    std::set<std::uint32_t> capabilities;
    for (const Instruction& inst : module.instructions) {
        if (inst.opcode() == op(spv::Op::OpCapability))
            capabilities.insert(inst.words[1]);
    }

    bool linkNeeded = false;
    for (const Instruction& inst : module.instructions) {
        if (inst.opcode() == op(spv::Op::OpExtInst) && index.openclSets.count(inst.words[3]) &&
            !native(extInstName(inst.words[4])))
            linkNeeded = true;
    }
    if (!linkNeeded)
        return words; // nothing to link: no need to read libclc

    Result<std::shared_ptr<const Library>> lib = library(options);
    if (!lib)
        return lib.status();
    const Library& clc = **lib;

    // One Import declaration per libclc function used.
    struct Declaration {
        std::uint32_t id;
        Call call;
    };
    std::map<std::string, Declaration> declarations;
    Status status = rewriteExtInsts(
        module, index, native, [&](const std::string& name) { return clc.exports.count(name) != 0; },
        [&](const Call& call, std::uint32_t) {
            auto it = declarations.find(call.name);
            if (it == declarations.end())
                it = declarations.emplace(call.name, Declaration{module.newId(), call}).first;
            return it->second.id;
        });
    if (!status.ok())
        return status;

    std::vector<Instruction> decorations;
    std::vector<Instruction> functionTypes;
    std::vector<Instruction> functions;
    for (const auto& [name, declaration] : declarations) {
        const Call& call = declaration.call;
        std::vector<std::uint32_t> typeOperands{0, call.resultType};
        typeOperands.insert(typeOperands.end(), call.paramTypes.begin(), call.paramTypes.end());
        // The linker compares types structurally: a new OpTypeFunction per
        // declaration is as good as a shared one.
        typeOperands[0] = module.newId();
        functionTypes.push_back(makeInstruction(op(spv::Op::OpTypeFunction), typeOperands));
        std::vector<std::uint32_t> decorate{declaration.id, detail::kLinkageAttributes};
        for (std::uint32_t word : detail::stringWords(name))
            decorate.push_back(word);
        decorate.push_back(detail::kLinkageImport);
        decorations.push_back(makeInstruction(op(spv::Op::OpDecorate), decorate));
        functions.push_back(makeInstruction(
            op(spv::Op::OpFunction),
            {call.resultType, declaration.id, static_cast<std::uint32_t>(spv::FunctionControlMask::MaskNone),
             typeOperands[0]}));
        for (std::uint32_t type : call.paramTypes)
            functions.push_back(makeInstruction(op(spv::Op::OpFunctionParameter), {type, module.newId()}));
        functions.push_back(makeInstruction(op(spv::Op::OpFunctionEnd), {}));
    }
    // Declarations before the first definition, their types after every
    // other type (which they use), the decorations with the others.
    auto& insts = module.instructions;
    std::size_t functionsAt = firstFunction(module);
    insts.insert(insts.begin() + static_cast<std::ptrdiff_t>(functionsAt), functions.begin(), functions.end());
    insts.insert(insts.begin() + static_cast<std::ptrdiff_t>(functionsAt), functionTypes.begin(),
                 functionTypes.end());
    std::size_t annotationsEnd = 0;
    while (annotationsEnd < insts.size() && isPreamble(insts[annotationsEnd].opcode()))
        ++annotationsEnd;
    insts.insert(insts.begin() + static_cast<std::ptrdiff_t>(annotationsEnd), decorations.begin(), decorations.end());
    if (!capabilities.count(static_cast<std::uint32_t>(spv::Capability::Linkage)))
        insts.insert(insts.begin(),
                     makeInstruction(op(spv::Op::OpCapability), {static_cast<std::uint32_t>(spv::Capability::Linkage)}));
    std::vector<std::uint32_t> rewritten = module.serialize();

    // Link: libclc first, so that its unresolved declarations (libclc 14
    // imports a half-precision helper it never defines) stay before every
    // definition, as SPIR-V wants.
    std::vector<std::string> messages;
    spvtools::Context context(SPV_ENV_OPENCL_1_2);
    context.SetMessageConsumer([&](spv_message_level_t level, const char*, const spv_position_t& position,
                                   const char* message) {
        if (level <= SPV_MSG_ERROR)
            messages.push_back(fmt::format("{} (word {})", message, position.index));
    });
    spvtools::LinkerOptions linkerOptions;
    // The builtin variables (__spirv_BuiltInGlobalInvocationId) are Import
    // declarations that nothing defines; the back end knows them by their
    // BuiltIn decoration.
    linkerOptions.SetAllowPartialLinkage(true);
    std::set<std::string> needed;
    for (const auto& [name, declaration] : declarations)
        needed.insert(name);
    Result<std::vector<std::uint32_t>> part = extractFunctions(clc, needed);
    if (!part)
        return part.status();
    std::vector<std::vector<std::uint32_t>> inputs{std::move(part).value(), std::move(rewritten)};
    // The linker refuses modules of different SPIR-V versions. libclc's
    // functions are SPIR-V 1.0 and llvm-spirv-14 writes 1.0 to 1.4 by what the
    // program uses; what is valid in 1.0 is valid in the later versions, so
    // both sides take the higher one (word 1 of the header).
    const std::uint32_t version = std::max(inputs[0].at(1), inputs[1].at(1));
    for (std::vector<std::uint32_t>& input : inputs)
        input[1] = version;
    std::vector<std::uint32_t> linked;
    if (spvtools::Link(context, inputs, &linked, linkerOptions) != SPV_SUCCESS)
        return Status::error(ENOEXEC, fmt::format("linking libclc: {}", spirvToolsMessages(messages)));

    // The optimiser must know the version: from 1.1 on the linker records
    // itself with OpModuleProcessed, which a 1.0 environment rejects.
    static constexpr std::array<spv_target_env, 6> kEnvironments{SPV_ENV_UNIVERSAL_1_0, SPV_ENV_UNIVERSAL_1_1,
                                                                 SPV_ENV_UNIVERSAL_1_2, SPV_ENV_UNIVERSAL_1_3,
                                                                 SPV_ENV_UNIVERSAL_1_4, SPV_ENV_UNIVERSAL_1_5};
    const std::uint32_t minor = (version >> 8) & 0xff;
    if (minor >= kEnvironments.size())
        return Status::error(ENOEXEC, fmt::format("linking libclc: SPIR-V 1.{} is not supported", minor));
    spvtools::Optimizer optimizer(kEnvironments[minor]);
    optimizer.SetMessageConsumer([&](spv_message_level_t level, const char*, const spv_position_t&,
                                     const char* message) {
        if (level <= SPV_MSG_ERROR)
            messages.push_back(message);
    });
    optimizer.RegisterPass(spvtools::CreateEliminateDeadFunctionsPass())
        .RegisterPass(spvtools::CreateDeadVariableEliminationPass())
        .RegisterPass(spvtools::CreateEliminateDeadConstantPass())
        .RegisterPass(spvtools::CreateDeadVariableEliminationPass())
        .RegisterPass(spvtools::CreateEliminateDeadConstantPass());
    std::vector<std::uint32_t> optimized;
    spvtools::OptimizerOptions optimizerOptions;
    // llvm-spirv's output is not always what spirv-val accepts (the kernels'
    // Import builtins); validation is the back end's business.
    optimizerOptions.set_run_validator(false);
    if (!optimizer.Run(linked.data(), linked.size(), &optimized, optimizerOptions))
        return Status::error(ENOEXEC, fmt::format("removing libclc's unused functions: {}",
                                                  spirvToolsMessages(messages)));

    Result<SpirvModule> result = SpirvModule::parse(optimized);
    if (!result)
        return result.status();
    if (Status status = detail::removeUnusedGlobals(*result); !status.ok())
        return status;
    trimCapabilities(*result, capabilities);
    std::vector<std::uint32_t> out = result->serialize();

    // What is left unresolved is an error here, not a surprise in the back end.
    Result<std::vector<std::string>> imports = importedFunctions(out);
    if (!imports)
        return imports.status();
    if (!imports->empty())
        return Status::error(ENOEXEC, fmt::format("undefined functions after linking libclc: {}",
                                                  fmt::join(*imports, ", ")));
    Result<std::vector<std::string>> left = openclExtInsts(out);
    if (!left)
        return left.status();
    for (const std::string& name : *left) {
        if (!native(name))
            return Status::error(ENOEXEC, fmt::format("the OpenCL builtin {} is used (by the kernel or by the libclc "
                                                      "functions it calls), but the back end does not implement "
                                                      "it and libclc leaves it to the back end",
                                                      name));
    }
    return out;
}

Result<std::vector<std::string>> importedFunctions(const std::vector<std::uint32_t>& words)
{
    Result<SpirvModule> module = SpirvModule::parse(words);
    if (!module)
        return module.status();
    ModuleIndex index(*module);
    std::unordered_set<std::uint32_t> functions;
    for (const Instruction& inst : module->instructions) {
        if (inst.opcode() == op(spv::Op::OpFunction))
            functions.insert(inst.words[2]);
    }
    std::vector<std::string> names;
    for (const auto& [name, id] : index.imports) {
        if (functions.count(id))
            names.push_back(name);
    }
    return names;
}

Result<std::vector<std::string>> openclExtInsts(const std::vector<std::uint32_t>& words)
{
    Result<SpirvModule> module = SpirvModule::parse(words);
    if (!module)
        return module.status();
    ModuleIndex index(*module);
    std::set<std::string> names;
    for (const Instruction& inst : module->instructions) {
        if (inst.opcode() == op(spv::Op::OpExtInst) && index.openclSets.count(inst.words[3])) {
            std::string_view name = extInstName(inst.words[4]);
            names.insert(name.empty() ? fmt::format("#{}", inst.words[4]) : std::string(name));
        }
    }
    return std::vector<std::string>(names.begin(), names.end());
}

} // namespace vsvm::frontend
