import 'reflect-metadata';

export interface VariableDescription {
  name: string;
  description: string;
  required: boolean;
  secret: boolean;
}

const KEY = Symbol('oz:variable-description');

/** Documents one environment variable on its config class; `npm run docs:env` prints the table. */
export function describeVariable(description: string, options: { required?: boolean; secret?: boolean } = {}) {
  return (target: object, name: string) => {
    const list: VariableDescription[] = Reflect.getMetadata(KEY, target) ?? [];
    Reflect.defineMetadata(
      KEY,
      [...list, { name, description, required: options.required ?? false, secret: options.secret ?? false }],
      target,
    );
  };
}

export function variableDescriptions(configClass: new () => object): VariableDescription[] {
  return Reflect.getMetadata(KEY, configClass.prototype) ?? [];
}

/** Markdown table of a config class: name, default, description. Secrets never show a default. */
export function variablesMarkdownTable(configClass: new () => object): string {
  const defaults = new configClass() as Record<string, unknown>;
  const rows = variableDescriptions(configClass).map((v) => {
    const value = defaults[v.name];
    const shown = v.required ? 'required' : value === undefined || v.secret ? '—' : `\`${String(value)}\``;
    return `| \`${v.name}\` | ${shown} | ${v.description} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
