"""The default network and training settings (light: the command line reads them for --help)."""

DEFAULT_MODEL = ("conv(8,k3,p1) relu maxpool(2) conv(16,k3,p1) relu maxpool(2) "
                 "linear(10) softmax-ce")
DEFAULT_INPUT = "1x8x8"
TRAINING = {"epochs": 20, "batch_size": 32, "seed": 0, "lr": 0.05, "momentum": 0.9}
