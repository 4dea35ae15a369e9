/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The vsvm authors */

/*
 * A C program on the installed libvsvm.so (vsvm/vsvm.h): assembles the
 * installed saxpy kernel, then opens device 0. Without a device (the host)
 * it prints the error and why, and succeeds; with one, it runs saxpy.
 *
 *   c-consumer NAME KERNEL.vsa
 */
#include <stdio.h>
#include <stdlib.h>

#include <vsvm/vsvm.h>

static char *readAll(const char *path)
{
	FILE *file = fopen(path, "rb");
	char *text = NULL;
	long size;

	if (!file)
		return NULL;
	if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0) {
		text = malloc((size_t)size + 1);
		if (text && fread(text, 1, (size_t)size, file) == (size_t)size) {
			text[size] = '\0';
		} else {
			free(text);
			text = NULL;
		}
	}
	fclose(file);
	return text;
}

static int runSaxpy(const char *name, vsvm_device *device, const vsvm_kernel *kernel)
{
	float x[64], y[64];
	const uint32_t groups[3] = {1, 1, 1}, lanes[3] = {64, 1, 1};
	struct vsvm_arg args[4];
	struct vsvm_job_result result;
	vsvm_vm *vm = NULL;
	vsvm_fence *fence = NULL;
	int status, i;

	for (i = 0; i < 64; i++) {
		x[i] = (float)i;
		y[i] = 1.0f;
	}
	args[0] = vsvm_arg_ptr(x);
	args[1] = vsvm_arg_ptr(y);
	args[2] = vsvm_arg_u32(64);
	args[3] = vsvm_arg_f32(2.0f);
	status = vsvm_vm_create(device, &vm);
	if (status == VSVM_OK)
		status = vsvm_launch(vm, kernel, groups, lanes, args, 4, &fence);
	if (status == VSVM_OK)
		status = vsvm_fence_wait(fence, -1, &result);
	if (status == VSVM_OK && y[63] != 127.0f)
		status = VSVM_ERROR_SYSTEM;
	printf("%s: saxpy on the device: %s %s\n", name, vsvm_error_name(status), vsvm_last_error());
	vsvm_fence_destroy(fence);
	vsvm_vm_destroy(vm);
	return status;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "c-consumer";
	char *source = argc > 2 ? readAll(argv[2]) : NULL;
	vsvm_kernel *kernel = NULL;
	vsvm_device *device = NULL;
	int status;

	if (!source) {
		fprintf(stderr, "%s: cannot read the kernel %s\n", name, argc > 2 ? argv[2] : "(none given)");
		return 1;
	}
	status = vsvm_kernel_from_assembly(source, &kernel);
	free(source);
	if (status != VSVM_OK) {
		fprintf(stderr, "%s: %s: %s\n", name, vsvm_error_name(status), vsvm_last_error());
		return 1;
	}
	printf("%s: assembled the installed saxpy kernel\n", name);

	status = vsvm_device_open(0, &device);
	printf("%s: vsvm_device_open: %s%s%s\n", name, vsvm_error_name(status), status ? ": " : "",
	       vsvm_last_error());
	if (status == VSVM_OK)
		status = runSaxpy(name, device, kernel);
	vsvm_device_close(device);
	vsvm_kernel_destroy(kernel);
	/* No device is what a machine without the vsvm module has: not a failure of this program. */
	return status == VSVM_OK || status == VSVM_ERROR_NO_DEVICE ? 0 : 1;
}
