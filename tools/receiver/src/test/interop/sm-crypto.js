// sm-crypto (npm) as a second SM2 / SM3 / SM4 implementation for the receiver's interop tests.
// Reads a JSON array of requests on stdin, writes a JSON array of results on stdout. All byte
// strings are hex. sm-crypto's own conventions are kept on purpose, the tests convert:
//  - SM2 public keys are '04' || x || y; SM2 ciphertexts are C1 || C3 || C2 (cipherMode 1) with C1
//    as x || y, WITHOUT the 04 prefix that UPLINK.md §4.2 requires.
//  - SM2 signatures use the GM/T 0009 default user ID '1234567812345678' unless userId is given,
//    DER-encoded (der: true), over SM3(Z || msg) (hash: true).
'use strict';
const { sm2, sm3, sm4 } = require('sm-crypto');

const hexToBytes = (h) => Uint8Array.from(Buffer.from(h, 'hex'));

const ops = {
  keypair: () => sm2.generateKeyPairHex(),
  sm3: (r) => ({ digest: sm3(Array.from(hexToBytes(r.msg))) }),
  encrypt: (r) => ({ ct: sm2.doEncrypt(Array.from(hexToBytes(r.msg)), r.pub, 1) }),
  decrypt: (r) => ({ msg: sm2.doDecrypt(r.ct, r.priv, 1, { output: 'array' }).map((b) => b.toString(16).padStart(2, '0')).join('') }),
  sign: (r) => ({
    sig: sm2.doSignature(Array.from(hexToBytes(r.msg)), r.priv, {
      der: true, hash: true, publicKey: r.pub, userId: r.userId,
    }),
  }),
  verify: (r) => ({
    ok: sm2.doVerifySignature(Array.from(hexToBytes(r.msg)), r.sig, r.pub, {
      der: true, hash: true, userId: r.userId,
    }),
  }),
  sm4: (r) => ({
    out: (r.decrypt ? sm4.decrypt : sm4.encrypt)(hexToBytes(r.msg), r.key, {
      mode: r.mode, iv: r.iv, padding: r.padding || 'none', output: 'array',
    }).map((b) => b.toString(16).padStart(2, '0')).join(''),
  }),
};

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map((r) => {
    try {
      return ops[r.op](r);
    } catch (e) {
      return { error: String(e && e.message ? e.message : e) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
