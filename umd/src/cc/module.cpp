// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "cc/module.h"

#include <fmt/format.h>

namespace vsvm::cc::detail {

std::string readString(const std::vector<std::uint32_t>& operands, std::size_t start, std::size_t* next)
{
    std::string text;
    std::size_t i = start;
    for (; i < operands.size(); i++) {
        std::uint32_t word = operands[i];
        bool end = false;
        for (int byte = 0; byte < 4; byte++) {
            char c = static_cast<char>((word >> (8 * byte)) & 0xff);
            if (c == 0) {
                end = true;
                break;
            }
            text += c;
        }
        if (end) {
            i++;
            break;
        }
    }
    if (next)
        *next = i;
    return text;
}

namespace {

// Which opcodes have a result type and a result id (the others we read
// either have neither or are handled before this is asked).
bool hasResultAndType(spv::Op op)
{
    bool hasResult = false, hasType = false;
    spv::HasResultAndType(op, &hasResult, &hasType);
    return hasResult && hasType;
}

bool hasResultOnly(spv::Op op)
{
    bool hasResult = false, hasType = false;
    spv::HasResultAndType(op, &hasResult, &hasType);
    return hasResult && !hasType;
}

} // namespace

std::optional<std::string> readModule(std::span<const std::uint32_t> words, Module& out)
{
    if (words.size() < 5 || words[0] != spv::MagicNumber)
        return std::string("not a SPIR-V module (bad magic number)");

    std::unordered_map<Id, std::string> strings;
    std::optional<Location> line;
    Function* function = nullptr;
    Block* block = nullptr;

    for (std::size_t at = 5; at < words.size();) {
        std::uint32_t count = words[at] >> 16;
        auto op = static_cast<spv::Op>(words[at] & 0xffff);
        if (count == 0 || at + count > words.size())
            return fmt::format("truncated instruction at word {}", at);
        Inst inst;
        inst.op = op;
        std::size_t first = at + 1;
        if (hasResultAndType(op)) {
            inst.type = words[first++];
            inst.result = words[first++];
        } else if (hasResultOnly(op)) {
            inst.result = words[first++];
        }
        inst.operands.assign(words.begin() + static_cast<std::ptrdiff_t>(first),
                             words.begin() + static_cast<std::ptrdiff_t>(at + count));
        at += count;
        if (line)
            inst.where = *line;
        const auto& ops = inst.operands;

        switch (op) {
        case spv::Op::OpCapability:
            out.capabilities.push_back(static_cast<spv::Capability>(ops.at(0)));
            continue;
        case spv::Op::OpExtInstImport:
            out.extInstSets[inst.result] = readString(ops, 0);
            continue;
        case spv::Op::OpEntryPoint: {
            Module::EntryPoint entry;
            entry.model = static_cast<spv::ExecutionModel>(ops.at(0));
            entry.function = ops.at(1);
            std::size_t next = 0;
            entry.name = readString(ops, 2, &next);
            entry.interface.assign(ops.begin() + static_cast<std::ptrdiff_t>(next), ops.end());
            out.entryPoints.push_back(std::move(entry));
            continue;
        }
        case spv::Op::OpExecutionMode:
            if (static_cast<spv::ExecutionMode>(ops.at(1)) == spv::ExecutionMode::LocalSize && ops.size() >= 5) {
                for (auto& entry : out.entryPoints)
                    if (entry.function == ops[0])
                        entry.localSize = {ops[2], ops[3], ops[4]};
            }
            continue;
        case spv::Op::OpString:
            strings[inst.result] = readString(ops, 0);
            continue;
        case spv::Op::OpName:
            out.names[ops.at(0)] = readString(ops, 1);
            continue;
        case spv::Op::OpMemberName:
            out.memberNames[{ops.at(0), ops.at(1)}] = readString(ops, 2);
            continue;
        case spv::Op::OpLine:
            out.hasLines = true;
            line = Location{strings[ops.at(0)], ops.at(1), ops.at(2)};
            continue;
        case spv::Op::OpNoLine:
            line.reset();
            continue;
        case spv::Op::OpDecorate:
        case spv::Op::OpMemberDecorate: {
            bool member = op == spv::Op::OpMemberDecorate;
            Decorations& d = member ? out.memberDecorations[{ops.at(0), ops.at(1)}] : out.decorations[ops.at(0)];
            std::size_t k = member ? 2 : 1;
            auto kind = static_cast<spv::Decoration>(ops.at(k));
            std::uint32_t value = k + 1 < ops.size() ? ops[k + 1] : 0;
            switch (kind) {
            case spv::Decoration::BuiltIn:
                d.builtIn = static_cast<spv::BuiltIn>(value);
                break;
            case spv::Decoration::Offset:
                d.offset = value;
                break;
            case spv::Decoration::ArrayStride:
                d.arrayStride = value;
                break;
            case spv::Decoration::Block:
                d.hasBlock = true;
                break;
            case spv::Decoration::CPacked:
                d.cpacked = true;
                break;
            case spv::Decoration::SaturatedConversion:
                d.saturated = true;
                break;
            case spv::Decoration::FPRoundingMode:
                d.rounding = static_cast<spv::FPRoundingMode>(value);
                break;
            case spv::Decoration::FuncParamAttr:
                d.byVal |= static_cast<spv::FunctionParameterAttribute>(value) ==
                           spv::FunctionParameterAttribute::ByVal;
                break;
            default:
                break;
            }
            continue;
        }
        case spv::Op::OpTypeVoid:
        case spv::Op::OpTypeBool:
        case spv::Op::OpTypeInt:
        case spv::Op::OpTypeFloat:
        case spv::Op::OpTypeVector:
        case spv::Op::OpTypeArray:
        case spv::Op::OpTypeRuntimeArray:
        case spv::Op::OpTypeStruct:
        case spv::Op::OpTypePointer:
        case spv::Op::OpTypeFunction:
        case spv::Op::OpTypeImage:
        case spv::Op::OpTypeSampler:
        case spv::Op::OpTypeSampledImage:
        case spv::Op::OpTypeEvent:
        case spv::Op::OpTypeOpaque:
        case spv::Op::OpTypeForwardPointer: {
            if (op == spv::Op::OpTypeForwardPointer)
                continue;
            Type type;
            type.op = op;
            switch (op) {
            case spv::Op::OpTypeVoid:
                type.kind = TypeKind::Void;
                break;
            case spv::Op::OpTypeBool:
                type.kind = TypeKind::Bool;
                break;
            case spv::Op::OpTypeInt:
                type.kind = TypeKind::Int;
                type.width = ops.at(0);
                type.isSigned = ops.at(1) != 0;
                break;
            case spv::Op::OpTypeFloat:
                type.kind = TypeKind::Float;
                type.width = ops.at(0);
                break;
            case spv::Op::OpTypeVector:
                type.kind = TypeKind::Vector;
                type.element = ops.at(0);
                type.count = ops.at(1);
                break;
            case spv::Op::OpTypeArray:
                type.kind = TypeKind::Array;
                type.element = ops.at(0);
                type.count = ops.at(1); // the length's constant id; resolved by the user
                break;
            case spv::Op::OpTypeRuntimeArray:
                type.kind = TypeKind::RuntimeArray;
                type.element = ops.at(0);
                break;
            case spv::Op::OpTypeStruct:
                type.kind = TypeKind::Struct;
                type.members = ops;
                break;
            case spv::Op::OpTypePointer:
                type.kind = TypeKind::Pointer;
                type.storage = static_cast<spv::StorageClass>(ops.at(0));
                type.element = ops.at(1);
                break;
            case spv::Op::OpTypeFunction:
                type.kind = TypeKind::Function;
                break;
            default:
                type.kind = TypeKind::Other;
                break;
            }
            out.types[inst.result] = std::move(type);
            continue;
        }
        case spv::Op::OpConstant:
        case spv::Op::OpConstantTrue:
        case spv::Op::OpConstantFalse:
        case spv::Op::OpConstantNull:
        case spv::Op::OpConstantComposite:
        case spv::Op::OpSpecConstant:
        case spv::Op::OpSpecConstantTrue:
        case spv::Op::OpSpecConstantFalse:
        case spv::Op::OpSpecConstantComposite:
            out.constants[inst.result] = std::move(inst);
            continue;
        case spv::Op::OpUndef:
            if (!function) {
                out.constants[inst.result] = std::move(inst);
                continue;
            }
            break;
        case spv::Op::OpVariable:
            if (!function) {
                out.globals[inst.result] = std::move(inst);
                continue;
            }
            function->variables.push_back(inst);
            continue;
        case spv::Op::OpFunction:
            out.functions.emplace_back();
            function = &out.functions.back();
            function->id = inst.result;
            function->type = ops.at(1);
            block = nullptr;
            continue;
        case spv::Op::OpFunctionParameter:
            if (function)
                function->params.push_back(std::move(inst));
            continue;
        case spv::Op::OpFunctionEnd:
            function = nullptr;
            block = nullptr;
            continue;
        case spv::Op::OpLabel:
            if (!function)
                return std::string("OpLabel outside a function");
            function->blocks.emplace_back();
            block = &function->blocks.back();
            block->label = inst.result;
            continue;
        case spv::Op::OpSelectionMerge:
        case spv::Op::OpLoopMerge:
            if (block)
                block->merge = std::move(inst);
            continue;
        default:
            break;
        }
        if (block) {
            bool terminator = op == spv::Op::OpBranch || op == spv::Op::OpBranchConditional ||
                              op == spv::Op::OpSwitch || op == spv::Op::OpReturn ||
                              op == spv::Op::OpReturnValue || op == spv::Op::OpKill ||
                              op == spv::Op::OpUnreachable;
            block->body.push_back(std::move(inst));
            if (terminator) {
                block = nullptr;
                line.reset();
            }
        }
        // Anything else at module scope (OpSource, OpExtension, OpMemoryModel,
        // debug info) does not change the code.
    }
    return std::nullopt;
}

} // namespace vsvm::cc::detail
