// test/reliability/bad_input: the bad-input campaign for tensor factories, ops and nn modules. Each row
// is a wrong call; the harness checks the error class, that the message names the op/entry point (and
// shapes, dtypes and stage where relevant), and that inputs are left untouched. In: case tables. Out: tests.

import * as coil from "../../src/index.js";
import { runBadCases, type BadCase } from "./harness.js";

const M = () => [coil.tensor([[1, 2, 3], [4, 5, 6]])];
const F = (...s: number[]) => () => [coil.ones(...s)];
const stage = /\[stage: eager/;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const any = (x: unknown): any => x;

export const factoryCases: BadCase[] = [
  { entry: "coil.tensor", what: "ragged nested array", run: () => coil.tensor(any([[1, 2], [3]])), msg: /^tensor: ragged nested array/, type: TypeError },
  { entry: "coil.tensor", what: "ragged, too deep", run: () => coil.tensor(any([[1, 2], [3, [4]]])), msg: /^tensor: ragged nested array/, type: TypeError },
  { entry: "coil.tensor", what: "strings", run: () => coil.tensor(any(["a", "b"])), msg: /^tensor: expected numbers or booleans, got string/, type: TypeError },
  { entry: "coil.tensor", what: "an object", run: () => coil.tensor(any({})), msg: /^tensor: expected numbers or booleans, got object/, type: TypeError },
  { entry: "coil.tensor", what: "undefined", run: () => coil.tensor(any(undefined)), msg: /^tensor: expected numbers or booleans, got undefined/, type: TypeError },
  { entry: "coil.tensor", what: "integer data requiring grad", run: () => coil.tensor([1, 2], { requiresGrad: true }), msg: /floating point dtype can require gradients \(got int64\)/, type: TypeError },
  { entry: "coil.zeros", what: "negative size", run: () => coil.zeros(-1, 2), msg: /^zeros: invalid size \[-1,2\]/, type: RangeError },
  { entry: "coil.zeros", what: "fractional size", run: () => coil.zeros(2.5), msg: /^zeros: invalid size \[2.5\]/, type: RangeError },
  { entry: "coil.ones", what: "NaN size", run: () => coil.ones([NaN]), msg: /^ones: invalid size/, type: RangeError },
  { entry: "coil.zeros", what: "Infinity size", run: () => coil.zeros(Infinity), msg: /^zeros: invalid size/, type: RangeError },
  { entry: "coil.randn", what: "negative size", run: () => coil.randn(-3), msg: /^randn: invalid size \[-3\]/, type: RangeError },
  { entry: "coil.zeros", what: "too large for memory", run: () => coil.zeros(1e6, 1e6), msg: /^zeros: size \[1000000, 1000000\] has 1000000000000 elements/, type: RangeError },
  { entry: "coil.empty", what: "too large for memory", run: () => coil.empty(2 ** 31, 4), msg: /^empty: size \[2147483648, 4\]/, type: RangeError },
  { entry: "coil.full", what: "string fill value", run: () => coil.full([2], any("x")), msg: [/full/, /fill_value/, /Scalar/], type: TypeError },
  { entry: "coil.arange", what: "zero step", run: () => coil.arange(0, 10, 0), msg: /^arange: step must be nonzero/, type: RangeError },
  { entry: "coil.zeros", what: "unknown dtype", run: () => coil.zeros(2, { dtype: any("float128") }), msg: /unknown dtype 'float128'/, type: TypeError },
  { entry: "coil.zeros", what: "unknown device", run: () => coil.zeros(2, { device: any("tpu") }), msg: /unknown device 'tpu'/, type: TypeError },
];

export const opCases: BadCase[] = [
  { entry: "Tensor.add", what: "string operand", inputs: M, run: ([x]) => x!.add(any("a")), msg: /^aten\.add\.Scalar: argument 'other' must be Scalar, but got "a"/, type: TypeError },
  { entry: "Tensor.add", what: "object operand", inputs: M, run: ([x]) => x!.add(any({ a: 1 })), msg: /add/, type: TypeError },
  { entry: "Tensor.pow", what: "string exponent", inputs: M, run: ([x]) => x!.pow(any("2")), msg: /^aten\.pow\.Tensor_Scalar: argument 'exponent'/, type: TypeError },
  { entry: "coil.mm", what: "inner sizes differ", inputs: () => [coil.ones(2, 3), coil.ones(4, 5)], run: ([a, b]) => coil.mm(a!, b!), msg: [/^mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/, stage], type: RangeError },
  { entry: "coil.mm", what: "1-D operand", inputs: () => [coil.ones(3), coil.ones(3, 2)], run: ([a, b]) => coil.mm(a!, b!), msg: /^mm: self must be a matrix.*\[3\]/, type: RangeError },
  { entry: "coil.mm", what: "dtype mismatch", inputs: () => [coil.ones(2, 3), coil.ones(3, 2, { dtype: "float64" })], run: ([a, b]) => coil.mm(a!, b!), msg: /^mm: .*float32 != float64/, type: TypeError },
  { entry: "coil.bmm", what: "2-D operand", inputs: () => [coil.ones(2, 3), coil.ones(3, 2)], run: ([a, b]) => coil.bmm(a!, b!), msg: /^bmm: batch1 must be a 3D tensor, got \[2, 3\]/, type: RangeError },
  { entry: "coil.matmul", what: "0-d operand", inputs: () => [coil.ones([]), coil.ones(3)], run: ([a, b]) => coil.matmul(a!, b!), msg: /^matmul: both arguments to matmul need to be at least 1D/, type: RangeError },
  { entry: "coil.linear", what: "in-features mismatch", inputs: () => [coil.ones(2, 5), coil.ones(3, 4)], run: ([a, w]) => coil.linear(a!, w!), msg: /mm: mat1 and mat2 shapes cannot be multiplied \(2x5 and 4x3\)/, type: RangeError },
  { entry: "Tensor.add", what: "shapes do not broadcast", inputs: () => [coil.ones(2, 3), coil.ones(4)], run: ([a, b]) => a!.add(b!), msg: /^add: the size of tensor a \(3\) must match the size of tensor b \(4\).*\[2, 3\], \[4\]/, type: RangeError },
  { entry: "Tensor.sum", what: "dim out of range", inputs: M, run: ([x]) => x!.sum(5), msg: /^sum: dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)/, type: RangeError },
  { entry: "Tensor.sum", what: "negative dim out of range", inputs: M, run: ([x]) => x!.sum(-3), msg: /^sum: dimension out of range/, type: RangeError },
  { entry: "Tensor.sum", what: "NaN dim", inputs: M, run: ([x]) => x!.sum(NaN), msg: /sum/ },
  { entry: "Tensor.softmax", what: "dim out of range", inputs: M, run: ([x]) => x!.softmax(2), msg: /^_softmax: dimension out of range/, type: RangeError },
  { entry: "Tensor.select", what: "index out of range", inputs: M, run: ([x]) => x!.select(0, 10), msg: /^select: .*index 10 out of range for tensor of size \[2, 3\] at dimension 0/, type: RangeError },
  { entry: "Tensor.select", what: "Infinity index", inputs: M, run: ([x]) => x!.select(0, Infinity), msg: /select/ },
  { entry: "Tensor.narrow", what: "start + length past the end", inputs: M, run: ([x]) => x!.narrow(1, 2, 5), msg: /^narrow: start \(2\) \+ length \(5\) exceeds dimension size \(3\) \(shape \[2, 3\]\)/, type: RangeError },
  { entry: "Tensor.narrow", what: "NaN start", inputs: M, run: ([x]) => x!.narrow(1, NaN, 1), msg: /(narrow|slice).*start/, type: TypeError },
  { entry: "Tensor.view", what: "wrong numel", inputs: M, run: ([x]) => x!.view(4, 2), msg: /^view: shape '\[4, 2\]' is invalid for input of size 6/, type: RangeError },
  { entry: "Tensor.view", what: "NaN size", inputs: M, run: ([x]) => x!.view(NaN), msg: /view.*size/, type: TypeError },
  { entry: "Tensor.view", what: "two inferred dims", inputs: M, run: ([x]) => x!.view(-1, -1), msg: /^view: only one dimension can be inferred/, type: RangeError },
  { entry: "Tensor.view", what: "non-viewable strides", inputs: () => [coil.ones(2, 3).t()], run: ([x]) => x!.view(6), msg: /^view: /, type: RangeError },
  { entry: "Tensor.reshape", what: "fractional dim", inputs: M, run: ([x]) => x!.reshape([1.5, 4]), msg: /^reshape: invalid shape dimension 1.5/, type: RangeError },
  { entry: "Tensor.permute", what: "repeated dim", inputs: M, run: ([x]) => x!.permute(0, 0), msg: /^permute: repeated dim in permute dims \[0, 0\]/, type: RangeError },
  { entry: "Tensor.transpose", what: "dim out of range", inputs: M, run: ([x]) => x!.transpose(0, 3), msg: /^transpose: dimension out of range/, type: RangeError },
  { entry: "Tensor.expand", what: "non-singleton dim changed", inputs: M, run: ([x]) => x!.expand(4, 3), msg: /^expand: /, type: RangeError },
  { entry: "Tensor.repeat", what: "fewer repeats than dims", inputs: M, run: ([x]) => x!.repeat(2), msg: /^repeat: Number of dimensions of repeat dims \(1\) can not be smaller/, type: RangeError },
  { entry: "Tensor.max", what: "empty tensor, no dim", inputs: F(0), run: ([x]) => x!.max(), msg: /^max\(\): Expected reduction dim to be specified for input.numel\(\) == 0.*\[0\]/, type: RangeError },
  { entry: "Tensor.argmax", what: "empty reduced dim", inputs: F(0, 3), run: ([x]) => x!.argmax(0), msg: /^argmax\(\): Expected reduction dim 0 to have non-zero size \(input shape \[0, 3\]\)/, type: RangeError },
  { entry: "Tensor.topk", what: "k larger than the dim", inputs: F(3), run: ([x]) => x!.topk(5), msg: /^topk: selected index k out of range \(k=5, dim -1 of size 3, input shape \[3\]\)/, type: RangeError },
  { entry: "coil.cat", what: "sizes differ off the cat dim", inputs: () => [coil.ones(2, 3), coil.ones(2, 4)], run: ([a, b]) => coil.cat([a!, b!], 0), msg: /^cat: Sizes of tensors must match except in dimension 0.*\[2, 3\], \[2, 4\]/, type: RangeError },
  { entry: "coil.cat", what: "empty list", run: () => coil.cat([], 0), msg: /^cat: expected a non-empty list of Tensors/, type: RangeError },
  { entry: "coil.stack", what: "different shapes", inputs: () => [coil.ones(2), coil.ones(3)], run: ([a, b]) => coil.stack([a!, b!]), msg: /^stack: stack expects each tensor to be equal size/, type: RangeError },
  { entry: "coil.where", what: "float condition", inputs: () => [coil.ones(3), coil.ones(3)], run: ([a, b]) => coil.where(a!, a!, b!), msg: /^where: .*boolean tensor.*float32/, type: TypeError },
  { entry: "coil.gather", what: "index out of bounds", inputs: () => [coil.ones(2, 3), coil.tensor([[5, 0, 0], [0, 0, 0]])], run: ([x, i]) => coil.gather(x!, 1, i!), msg: /^gather: index 5 is out of bounds for dimension 1 with size 3 \(self shape \[2, 3\]\)/, type: RangeError },
  { entry: "coil.indexSelect", what: "index out of bounds", inputs: () => [coil.ones(2, 3), coil.tensor([7])], run: ([x, i]) => coil.indexSelect(x!, 0, i!), msg: /^index_select: index 7 is out of bounds for dimension 0 with size 2/, type: RangeError },
  { entry: "coil.indexSelect", what: "float index", inputs: () => [coil.ones(2, 3), coil.tensor([0.5])], run: ([x, i]) => coil.indexSelect(x!, 0, i!), msg: /^index_select: Expected dtype int64 for index \(got float32, shape \[1\]\)/, type: TypeError },
  { entry: "coil.conv2d", what: "2-D input", inputs: () => [coil.ones(3, 4), coil.ones(2, 3, 1, 1)], run: ([x, w]) => coil.conv2d(x!, w!), msg: /^conv2d: Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[3, 4\]/, type: RangeError },
  { entry: "coil.conv2d", what: "channel mismatch", inputs: () => [coil.ones(1, 3, 4, 4), coil.ones(2, 5, 1, 1)], run: ([x, w]) => coil.conv2d(x!, w!), msg: /^convolution: Given groups=1, weight of size \[2, 5, 1, 1\], expected input\[1, 3, 4, 4\] to have 5 channels/, type: RangeError },
  { entry: "coil.conv2d", what: "kernel larger than input", inputs: () => [coil.ones(1, 1, 2, 2), coil.ones(1, 1, 3, 3)], run: ([x, w]) => coil.conv2d(x!, w!), msg: /^convolution: .*Kernel size can't be greater than actual input size/, type: RangeError },
  { entry: "coil.conv2d", what: "stride list of the wrong length", inputs: () => [coil.ones(1, 1, 4, 4), coil.ones(1, 1, 3, 3)], run: ([x, w]) => coil.conv2d(x!, w!, null, [1, 1, 1]), msg: /^conv2d: expected stride to be an int or a list of 2 ints/, type: RangeError },
  { entry: "Tensor.add_", what: "in-place on a broadcast (expanded) view", inputs: () => [coil.ones(1, 3)], run: ([x]) => x!.expand(3, 3).add_(1), msg: /^add_: unsupported operation: more than one element .*shape \[3, 3\]/ },
  { entry: "Tensor.add_", what: "result would broadcast past self", inputs: () => [coil.ones(3), coil.ones(2, 3)], run: ([x, y]) => x!.add_(y!), msg: /^add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]/, type: RangeError },
  { entry: "Tensor.add_", what: "float result into an int64 tensor", inputs: () => [coil.ones(3, { dtype: "int64" }), coil.tensor([0.5, 0.5, 0.5])], run: ([x, y]) => x!.add_(y!), msg: /^add_: result type Float can't be cast to the desired output type Long/, type: TypeError },
  { entry: "Tensor.add_", what: "in-place on a leaf requiring grad", inputs: () => [coil.ones(3, { requiresGrad: true })], run: ([x]) => x!.add_(1), msg: /add_.*a leaf Variable that requires grad is being used in an in-place operation \(shape \[3\], dtype float32\)/ },
  { entry: "Tensor.copy_", what: "source does not broadcast", inputs: () => [coil.ones(2, 3), coil.ones(4)], run: ([x, y]) => x!.copy_(y!), msg: /copy_/, type: RangeError },
  { entry: "Tensor.backward", what: "non-scalar output without a gradient", inputs: () => [coil.ones(3, { requiresGrad: true })], run: ([x]) => x!.mul(2).backward(), msg: /grad can be implicitly created only for scalar outputs/ },
  { entry: "Tensor.backward", what: "tensor that does not require grad", inputs: () => [coil.ones(3)], run: ([x]) => x!.sum().backward(), msg: /does not require grad/ },
  { entry: "Tensor.item", what: "more than one element", inputs: M, run: ([x]) => x!.item(), msg: /item/ },
];

const nnCases: BadCase[] = [
  { entry: "nn.Linear", what: "wrong in-features", inputs: () => [coil.ones(2, 5)], run: ([x]) => new coil.nn.Linear(4, 3).call(x!), msg: /linear: input shape \[2, 5\] does not match weight shape \[3, 4\]/, type: RangeError },
  { entry: "nn.Linear", what: "0-d input", inputs: () => [coil.ones([])], run: ([x]) => new coil.nn.Linear(4, 3).call(x!), msg: /linear: input shape \[\] does not match weight shape \[3, 4\]/, type: RangeError },
  { entry: "nn.Conv2d", what: "2-D input", inputs: () => [coil.ones(3, 4)], run: ([x]) => new coil.nn.Conv2d(3, 4, 3).call(x!), msg: /conv2d: Expected 3D \(unbatched\) or 4D \(batched\) input/, type: RangeError },
  { entry: "nn.Conv2d", what: "wrong channel count", inputs: () => [coil.ones(1, 2, 5, 5)], run: ([x]) => new coil.nn.Conv2d(3, 4, 3).call(x!), msg: /convolution: Given groups=1, weight of size \[4, 3, 3, 3\], expected input\[1, 2, 5, 5\] to have 3 channels/, type: RangeError },
  { entry: "nn.LayerNorm", what: "wrong normalized shape", inputs: () => [coil.ones(2, 5)], run: ([x]) => new coil.nn.LayerNorm(4).call(x!), msg: /native_layer_norm: Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size\[2, 5\]/, type: RangeError },
  { entry: "nn.Linear", what: "negative in-features", run: () => new coil.nn.Linear(-1, 3), msg: /^nn\.Linear: inFeatures must be a non-negative integer, got -1/, type: RangeError },
  { entry: "nn.Linear", what: "fractional in-features", run: () => new coil.nn.Linear(2.5, 3), msg: /^nn\.Linear: inFeatures must be a non-negative integer, got 2.5/, type: RangeError },
];

export const badInputCaseCount = factoryCases.length + opCases.length + nnCases.length;
runBadCases("factories", factoryCases);
runBadCases("ops", opCases);
runBadCases("nn", nnCases);
