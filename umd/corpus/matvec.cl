// y = A x for an n x n matrix, one row per work-item (whole-number inputs: exact).
__kernel void matvec(__global const float* A, __global const float* x, __global float* y, uint n)
{
    uint row = get_global_id(0);
    if (row >= n)
        return;
    float acc = 0.0f;
    for (uint j = 0; j < n; j++)
        acc += A[row * n + j] * x[j];
    y[row] = acc;
}
