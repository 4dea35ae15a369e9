// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// vsvm-info: lists the vsvm devices and what each reports through GET_PARAM.

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli.h"
#include "info_report.h"
#include "vsvm/device.h"

namespace {

using vsvm::Result;
using vsvm::tools::ListedDevice;

Result<std::vector<ListedDevice>> listAllDevices()
{
    auto devices = vsvm::Device::enumerate();
    if (!devices)
        return devices.status();

    std::vector<ListedDevice> listed;
    for (std::size_t index = 0; index < devices->size(); index++)
        listed.push_back({index, std::move((*devices)[index])});
    return listed;
}

Result<std::vector<ListedDevice>> listOneDevice(std::size_t index)
{
    auto device = vsvm::Device::open(index);
    if (!device)
        return device.status();
    auto info = device->queryInfo();
    if (!info)
        return info.status();
    return std::vector<ListedDevice>{{index, std::move(*info)}};
}

// CLI11 would accept "-1" for an unsigned option and wrap it to a huge index.
const CLI::Validator kWholeNumber(
    [](const std::string& input) -> std::string {
        bool digitsOnly = !input.empty() && std::all_of(input.begin(), input.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        return digitsOnly ? "" : "must be a whole number such as 0, not \"" + input + "\"";
    },
    "");

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"List the vsvm devices: render node, driver and uapi versions, capabilities,\n"
                 "virtual address bits and page sizes."};
    app.set_version_flag("--version", "vsvm-info " VSVM_VERSION);
    app.footer("Exit status: 0 on success; 1 when there is no vsvm device or one cannot be\n"
               "read (the reason goes to stderr: the module not loaded, no vsvm render node, a\n"
               "node this user may not open); 2 for bad options.");

    bool json = false;
    std::size_t deviceIndex = 0;
    app.add_flag("--json", json, "Print the report as JSON");
    CLI::Option* deviceOption =
        app.add_option("-d,--device", deviceIndex,
                       "Show only vsvm device N (its index in the full listing)")
            ->type_name("N")
            ->check(kWholeNumber);

    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;

    auto devices = deviceOption->count() ? listOneDevice(deviceIndex) : listAllDevices();
    if (!devices) {
        fmt::print(stderr, "vsvm-info: {}\n", devices.status().message());
        return 1;
    }
    if (devices->empty()) {
        fmt::print(stderr, "vsvm-info: {}\n", vsvm::Device::noDeviceStatus().message());
        return 1;
    }

    if (json)
        fmt::print("{}\n", vsvm::tools::toJson(*devices).dump(2));
    else
        fmt::print("{}", vsvm::tools::formatText(*devices));
    return 0;
}
