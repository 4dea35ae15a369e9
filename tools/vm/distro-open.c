// SPDX-License-Identifier: MIT
/*
 * Copyright (c) 2026 The vsvm authors
 */

/*
 * Open a vsvm render node and read one parameter: the smallest check that a
 * vsvm.ko built out-of-tree works (tools/vm/distro-guest.sh). Needs only the
 * uapi header, so that it runs where IGT is not built.
 *
 *   distro-open /dev/dri/renderD128
 *
 * Exit status 0 when the node's driver is "vsvm" and DRM_VSVM_PARAM_UAPI_VERSION
 * reports this header's major version.
 */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vsvm_drm.h"

int main(int argc, char **argv)
{
	struct drm_vsvm_get_param param = { .param = DRM_VSVM_PARAM_UAPI_VERSION };
	struct drm_version version = { 0 };
	char name[64] = "";
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s RENDER_NODE\n", argv[0]);
		return 2;
	}

	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}

	version.name = name;
	version.name_len = sizeof(name) - 1;
	if (ioctl(fd, DRM_IOCTL_VERSION, &version)) {
		perror("DRM_IOCTL_VERSION");
		return 1;
	}
	if (strcmp(name, "vsvm")) {
		fprintf(stderr, "%s: driver is \"%s\", not vsvm\n", argv[1], name);
		return 1;
	}

	if (ioctl(fd, DRM_IOCTL_VSVM_GET_PARAM, &param)) {
		perror("DRM_IOCTL_VSVM_GET_PARAM(UAPI_VERSION)");
		return 1;
	}
	printf("%s: %s %d.%d.%d, uapi %llu.%llu\n", argv[1], name, version.version_major,
	       version.version_minor, version.version_patchlevel,
	       (unsigned long long)param.value >> 16, (unsigned long long)param.value & 0xffff);
	if (param.value >> 16 != DRM_VSVM_UAPI_MAJOR) {
		fprintf(stderr, "%s: uapi major %llu, expected %d\n", argv[1],
			(unsigned long long)param.value >> 16, DRM_VSVM_UAPI_MAJOR);
		return 1;
	}

	close(fd);
	return 0;
}
