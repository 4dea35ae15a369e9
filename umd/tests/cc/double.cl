kernel void uses_double(global double* x)
{
    x[get_global_id(0)] *= 2.0;
}
