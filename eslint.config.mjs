import nx from "@nx/eslint-plugin";

export default [
    ...nx.configs["flat/base"],
    ...nx.configs["flat/typescript"],
    ...nx.configs["flat/javascript"],
    {
        ignores: [
            "**/dist",
            "**/out-tsc"
        ]
    },
    {
        files: [
            "**/*.ts",
            "**/*.tsx",
            "**/*.js",
            "**/*.jsx"
        ],
        rules: {
            "@nx/enforce-module-boundaries": [
                "error",
                {
                    enforceBuildableLibDependency: true,
                    allow: [
                        "^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$"
                    ],
                    // Scopes keep the apps apart (only shared libs cross them); types keep the layers
                    // pointing one way: app → feature → data-access → util.
                    depConstraints: [
                        { sourceTag: "scope:control-plane", onlyDependOnLibsWithTags: ["scope:control-plane", "scope:shared"] },
                        { sourceTag: "scope:workspace", onlyDependOnLibsWithTags: ["scope:workspace", "scope:shared"] },
                        { sourceTag: "scope:worker", onlyDependOnLibsWithTags: ["scope:worker", "scope:shared"] },
                        { sourceTag: "scope:shared", onlyDependOnLibsWithTags: ["scope:shared"] },
                        { sourceTag: "type:app", onlyDependOnLibsWithTags: ["type:feature", "type:data-access", "type:util"] },
                        { sourceTag: "type:feature", onlyDependOnLibsWithTags: ["type:feature", "type:data-access", "type:util"] },
                        { sourceTag: "type:data-access", onlyDependOnLibsWithTags: ["type:data-access", "type:util"] },
                        { sourceTag: "type:util", onlyDependOnLibsWithTags: ["type:util"] }
                    ]
                }
            ]
        }
    },
    {
        files: [
            "**/*.ts",
            "**/*.tsx",
            "**/*.cts",
            "**/*.mts",
            "**/*.js",
            "**/*.jsx",
            "**/*.cjs",
            "**/*.mjs"
        ],
        rules: {}
    },
    {
        files: ["**/*.ts", "**/*.tsx", "**/*.cts", "**/*.mts"],
        languageOptions: {
            // Nest injects constructor parameters by their emitted types: with these two set, the
            // type-imports rule leaves files with decorators alone instead of breaking injection.
            parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true }
        },
        rules: {
            "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
            "@typescript-eslint/no-explicit-any": "error"
        }
    },
    {
        // Tests may poke at loosely typed JSON; the code they test may not.
        files: ["**/*.spec.ts", "**/*.e2e-spec.ts", "**/testing/**/*.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "warn"
        }
    }
];
