import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (process.env.RECORD_MODULES) appendFileSync(process.env.RECORD_MODULES, `${r.url}\n`);
  return r;
}
