import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterOutlet } from '@angular/router';
import { NoticesComponent } from './ui/notices.component';

@Component({
  selector: 'oz-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, NoticesComponent],
  template: `<router-outlet /><oz-notices />`,
})
export class AppComponent {}
