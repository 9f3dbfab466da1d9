"""The encoding quality harness: a lecture-like corpus made by the tests and SSIM/PSNR of an HLS
ladder against it (docs/encoding.md)."""
