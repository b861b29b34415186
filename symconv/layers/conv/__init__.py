"""Convolution: any kernel, stride, padding, dilation, channels, groups; 1-d, 2-d, 3-d."""
