import { bootstrapApplication } from '@angular/platform-browser';
import { AppComponent } from './app/app.component';
import { appConfig } from './app/app.config';

bootstrapApplication(AppComponent, appConfig).catch((error: unknown) => {
  // Nothing rendered: say so on the page rather than only in the console.
  document.body.textContent = `Oz Stack could not start: ${error instanceof Error ? error.message : String(error)}`;
  throw error;
});
