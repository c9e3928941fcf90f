"""Level-1 trigger: input-bit kernels, menu loading, logic evaluation, prescales."""
