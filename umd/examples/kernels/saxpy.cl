// SPDX-License-Identifier: MIT
// y = a * x + y for i < n, on the caller's malloc'd arrays (saxpy --lang opencl).
kernel void saxpy(global const float *x, global float *y, uint n, float a)
{
	size_t i = get_global_id(0);

	if (i < n)
		y[i] = a * x[i] + y[i];
}
