kernel void uses_exp(global float* x)
{
    size_t i = get_global_id(0);
    x[i] = exp(x[i]);
}
