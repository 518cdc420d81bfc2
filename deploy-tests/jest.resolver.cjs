// kubernetes-models publishes ES modules only (an "import" export condition, no "require"):
// resolve those packages with the import condition; ts-jest turns them into CommonJS.
const KUBERNETES_MODELS = /^(@kubernetes-models\/|kubernetes-models(\/|$))/;

module.exports = (path, options) =>
  options.defaultResolver(path, KUBERNETES_MODELS.test(path) ? { ...options, conditions: ['import', 'default'] } : options);
