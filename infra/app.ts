// `npx cdk synth|deploy` entry (cdk.json "app"). Settings: CDK context, see docs/deploy.md.
import { buildApp } from './app-builder.js';

buildApp().app.synth();
