"""Independently written backward implementations, correct and buggy, for the checker.

``CORPUS`` maps a module name to ``(layer, correct, geometry)``: ``geometry`` says which
keyword arguments the function takes (``"conv"``: stride and padding, 2-d, symmetric
padding, no dilation or groups; ``"pool"``: kernel, stride, padding; ``None``: none).
"""

CORPUS = {
    "conv_loops": ("conv", True, "conv"),
    "conv_im2col": ("conv", True, "conv"),
    "conv_einsum": ("conv", True, "conv"),
    "conv_padding_zero_only": ("conv", False, "conv"),
    "conv_stride_ignored_in_dx": ("conv", False, "conv"),
    "conv_batch_mean": ("conv", False, "conv"),
    "conv_kernel_not_flipped": ("conv", False, "conv"),
    "conv_kept_state": ("conv", False, "conv"),
    "conv_square_only": ("conv", False, "conv"),
    "conv_leftover_ignored": ("conv", False, "conv"),
    "maxpool_add_at": ("maxpool", True, "pool"),
    "maxpool_overwrite": ("maxpool", False, "pool"),
    "avgpool_loops": ("avgpool", True, "pool"),
    "relu_in_place": ("relu", True, None),
    "linear_matmul": ("linear", True, None),
    "linear_transposed_weight": ("linear", False, None),
    "softmax_ce_stable": ("softmax-ce", True, None),
    "softmax_ce_no_mean": ("softmax-ce", False, None),
}
