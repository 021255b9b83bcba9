import * as coil from "../src/index.js";
coil.manualSeed(1);
const m = new coil.nn.TransformerEncoderLayer(128, 4, { dimFeedforward: 512, dropout: 0, batchFirst: true });
const x = coil.randn(8, 64, 128);
try { const y = coil.compile(m)(x); console.log("grad-mode ok", y.shape); } catch (e) { console.log("grad mode:", (e as Error).message); }
try { const y = coil.noGrad(() => coil.compile(m)(x)); console.log("nograd ok", y.shape); } catch (e) { console.log("nograd:", (e as Error).message); }
const m2 = new coil.nn.TransformerEncoderLayer(128, 4, { dimFeedforward: 512, dropout: 0 });
try { const y = coil.compile(m2)(coil.randn(64, 8, 128)); console.log("seq-first ok", y.shape); } catch (e) { console.log("seq-first:", (e as Error).message); }
const mlp = new coil.nn.Sequential(new coil.nn.Linear(16, 8));
try { const y = coil.compile(mlp)(coil.randn(4, 16)); console.log("mlp ok", y.shape); } catch (e) { console.log("mlp:", (e as Error).message); }
