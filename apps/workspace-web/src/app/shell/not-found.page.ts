import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'oz-not-found-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <div class="page">
      <div class="empty-state">
        <h1>There is no page here</h1>
        <p>The address may be mistyped, or what it pointed to was deleted.</p>
        <a class="btn primary" routerLink="/rooms">Go to your rooms</a>
      </div>
    </div>
  `,
})
export class NotFoundPage {}
