// C = A * B for n x n matrices, 16 x 16 tiles staged in __local memory.
#define T 16
__kernel void matmul_tiled(__global const float* A, __global const float* B, __global float* C, uint n)
{
    __local float As[T][T];
    __local float Bs[T][T];
    uint col = get_global_id(0), row = get_global_id(1);
    uint lx = get_local_id(0), ly = get_local_id(1);
    float acc = 0.0f;
    for (uint t = 0; t < n; t += T) {
        As[ly][lx] = A[row * n + t + lx];
        Bs[ly][lx] = B[(t + ly) * n + col];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (uint k = 0; k < T; k++)
            acc += As[ly][k] * Bs[k][lx];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    C[row * n + col] = acc;
}
