// Extended instructions that map to ISA v2 instructions, conversions.
kernel void mathops(global const float* x, global float* out, global int* iout, uint n)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    float v = x[i];
    out[8 * i + 0] = floor(v);
    out[8 * i + 1] = ceil(v);
    out[8 * i + 2] = trunc(v);
    out[8 * i + 3] = rint(v);
    out[8 * i + 4] = fabs(v);
    out[8 * i + 5] = fmin(v, 1.5f);
    out[8 * i + 6] = fma(v, v, 0.25f);
    out[8 * i + 7] = copysign(2.0f, v);
    int k = (int)(v * 1000.0f);
    iout[4 * i + 0] = clz(k);
    iout[4 * i + 1] = popcount(k);
    iout[4 * i + 2] = clamp(k, -700, 900);
    iout[4 * i + 3] = mul_hi(k, 123456789);
}
